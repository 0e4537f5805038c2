"""The worker process: runs one job, spawned (never forked) by the scheduler.

It talks to the server over a ``multiprocessing`` pipe. Messages to the server are tuples:
``("event", type, payload)``, ``("preview", png_bytes, meta)``, ``("done", result)``,
``("canceled",)``, ``("error", message, traceback)``. The server sends ``("cancel",)``.
Torch and the media stack are imported only here, by the job's runner.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from engine.jobs.context import JobCanceled, JobContext
from engine.workers.lifetime import die_with_parent

_PROGRESS_INTERVAL_S = 0.1


class WorkerContext(JobContext):
    """A JobContext that forwards events and previews to the server through a pipe."""

    def __init__(self, job_id: str, output_dir: Path, devices: list[str], conn: Connection):
        super().__init__(job_id, output_dir, devices)
        self._conn = conn
        self._send_lock = threading.Lock()
        self._last_progress = 0.0

    def send(self, message: tuple) -> None:
        with self._send_lock:
            self._conn.send(message)

    def emit(self, event_type: str, payload: dict[str, Any]) -> None:
        if event_type == "progress":
            now = time.monotonic()
            if payload.get("fraction", 0) < 1 and now - self._last_progress < _PROGRESS_INTERVAL_S:
                return
            self._last_progress = now
        self.send(("event", event_type, payload))

    def preview(self, image: np.ndarray, meta: dict[str, Any] | None = None) -> None:
        import cv2

        ok, png = cv2.imencode(".png", np.ascontiguousarray(image[..., ::-1]))
        if ok:
            self.send(("preview", png.tobytes(), meta or {}))

    def listen_for_cancel(self) -> None:
        """Block until the server sends ``cancel`` (or the pipe closes), then flag the job canceled."""
        try:
            while True:
                if self._conn.recv() == ("cancel",):
                    self.cancel()
                    return
        except (EOFError, OSError):
            self.cancel()


def _limit_threads(threads: int) -> None:
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)


def worker_main(job_id: str, kind_name: str, params: dict, output_dir: str, devices: list[str],
                threads: int, conn: Connection) -> None:
    """Entry point of the spawned worker process."""
    die_with_parent()
    _limit_threads(threads)
    ctx = WorkerContext(job_id, Path(output_dir), devices, conn)
    threading.Thread(target=ctx.listen_for_cancel, daemon=True, name="cancel-listener").start()
    try:
        from engine.plugins import register_enabled_job_kinds
        from engine.spec import get_kind

        register_enabled_job_kinds()
        kind = get_kind(kind_name)
        module_name, function_name = kind.runner.split(":")
        runner = getattr(importlib.import_module(module_name), function_name)
        try:
            import torch

            torch.set_num_threads(threads)
        except ImportError:
            pass
        result = runner(kind.params.model_validate(params), ctx)
        ctx.send(("done", result if result is not None else {}))
    except JobCanceled:
        ctx.send(("canceled",))
    except Exception as exc:  # the job fails, the engine does not: report everything
        ctx.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    finally:
        conn.close()
