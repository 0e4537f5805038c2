"""Job kinds for engine tests: long-running CPU work whose duration the test controls.

``test.busy`` checks for cancel between units of work, ``test.stubborn`` never does (the engine must
kill it after the grace period). A plugin folder: the tests enable it through the plugin system.
"""

from __future__ import annotations

import time

import numpy as np
from pydantic import Field

from engine.jobs.context import JobContext
from engine.spec import Params


class BusyParams(Params):
    seconds: float = Field(2.0, gt=0, le=600)


def _work(params: BusyParams, ctx: JobContext, cooperative: bool) -> dict:
    rng = np.random.default_rng(0)
    start = time.monotonic()
    units = 0
    while (elapsed := time.monotonic() - start) < params.seconds:
        if cooperative:
            ctx.check_cancel()
        matrix = rng.standard_normal((64, 64))
        np.linalg.svd(matrix)
        units += 1
        ctx.progress(elapsed / params.seconds, f"unit {units}")
    (ctx.output_path("units.txt")).write_text(str(units))
    return {"units": units}


def run_busy(params: BusyParams, ctx: JobContext) -> dict:
    return _work(params, ctx, cooperative=True)


def run_stubborn(params: BusyParams, ctx: JobContext) -> dict:
    return _work(params, ctx, cooperative=False)
