"""A DualParal worker started by ``torchrun``, so that a device group can span several machines.

Every rank runs this module with the same request; torchrun provides RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR and MASTER_PORT. On two machines with one GPU each::

    # machine A (10.0.0.1)
    torchrun --nnodes 2 --node-rank 0 --nproc-per-node 1 --master-addr 10.0.0.1 --master-port 29500 \\
        -m engine.video.dualparal.worker --request job.json --out out/ --device cuda
    # machine B
    torchrun --nnodes 2 --node-rank 1 --nproc-per-node 1 --master-addr 10.0.0.1 --master-port 29500 \\
        -m engine.video.dualparal.worker --request job.json --out out/ --device cuda

On one machine with CPU worker processes: ``torchrun --nproc-per-node 2 -m engine.video.dualparal.worker
--request job.json --out out/ --threads 1``. Rank 0 writes ``frames.npy`` (uint8, N x H x W x 3) and
``stats.json`` into ``--out``. ``--parts module:function`` names the model factory (default: the tiny
random test model); ``job.json`` holds the request (see ``request_from_json``).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from engine.video.dualparal.api import GROUP_TIMEOUT, run_worker, stats_for
from engine.video.dualparal.group import PipelineGroup
from engine.video.dualparal.parts import PartsFactory
from engine.video.dualparal.request import LongVideoRequest
from engine.video.dualparal.sampler import BlockOutput
from engine.video.prompts import PromptTimeline, TimedPrompt


def request_from_json(data: dict[str, Any]) -> LongVideoRequest:
    """``{"global_prompt": str, "timed": [{"start", "end", "text", ...}], ...request fields}``."""
    data = dict(data)
    timeline = PromptTimeline(data.pop("global_prompt", ""),
                              tuple(TimedPrompt(**p) for p in data.pop("timed", [])))
    return LongVideoRequest(prompts=timeline, **data)


def load_factory(spec: str, kwargs: dict[str, Any]) -> PartsFactory:
    module, _, name = spec.partition(":")
    return functools.partial(getattr(importlib.import_module(module), name), **kwargs)


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _save_npy(path: str, array: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, array)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--request", type=Path, required=True, help="the request as JSON")
    parser.add_argument("--out", type=Path, required=True, help="folder for frames.npy and stats.json (rank 0)")
    parser.add_argument("--parts", default="engine.video.dualparal.parts:tiny_random_parts",
                        help="model factory module:function")
    parser.add_argument("--parts-kwargs", default="{}", help="JSON keyword arguments of the factory")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch threads per worker")
    args = parser.parse_args(argv)
    request = request_from_json(json.loads(args.request.read_text()))
    factory = load_factory(args.parts, json.loads(args.parts_kwargs))
    if args.device == "cuda":
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    else:
        device = torch.device("cpu")
    dist.init_process_group("nccl" if args.device == "cuda" else "gloo", timeout=GROUP_TIMEOUT)
    try:
        group = PipelineGroup.current(device)
        blocks: list[BlockOutput] = []
        reports = run_worker(factory, request, group, threads=args.threads, on_block=blocks.append)
    finally:
        dist.destroy_process_group()
    if group.first:
        args.out.mkdir(parents=True, exist_ok=True)
        frames = np.concatenate([b.frames for b in blocks])
        _atomic_write(args.out / "frames.npy", lambda tmp: _save_npy(tmp, frames))
        stats = stats_for(request, reports, 0, reports[0].wall_s)
        _atomic_write(args.out / "stats.json", lambda tmp: Path(tmp).write_text(json.dumps(stats, indent=1)))


if __name__ == "__main__":
    main()
