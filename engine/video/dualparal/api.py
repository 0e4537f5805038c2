"""The entry point: generate a long video with DualParal on W workers (or a baseline), get stats.

``generate_long_video`` runs in the calling process as rank 0 (so ``on_block`` gets the frames of each
finished block in this process) and, for W > 1 CPU workers, starts W - 1 worker processes joined by
gloo on localhost. Under ``torchrun`` every rank calls ``run_worker`` on the already initialised
process group instead (see ``engine.video.dualparal.worker``).
"""

from __future__ import annotations

import datetime
import multiprocessing as mp
import socket
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from engine.video.dualparal.baselines import run_baseline
from engine.video.dualparal.cache import BlockCache
from engine.video.dualparal.decode import make_decoder
from engine.video.dualparal.group import PipelineGroup
from engine.video.dualparal.parts import PartsFactory, WanParts
from engine.video.dualparal.request import LongVideoRequest
from engine.video.dualparal.sampler import BlockCallback, DualParalSampler, WorkerReport
from engine.video.dualparal.stages import layer_slices
from engine.workers.lifetime import die_with_parent

GROUP_TIMEOUT = datetime.timedelta(minutes=10)


def split_layers(num_layers: int, workers: int, decode_layers: float) -> list[int]:
    """Layer counts per worker balancing the stages, rank 0 also decoding (worth ``decode_layers`` layers)."""
    if workers == 1:
        return [num_layers]
    if workers > num_layers:
        raise ValueError(f"workers ({workers}) must not exceed the model's {num_layers} layers")
    best: list[int] | None = None
    for first in range(1, num_layers - workers + 2):
        rest = [len(r) for r in layer_slices(num_layers - first, workers - 1)]
        counts = [first, *rest]
        cost = max(first + decode_layers, *rest)
        if best is None or cost < max(best[0] + decode_layers, *best[1:]):
            best = counts
    return best


@torch.no_grad()
def _decode_cost_in_layers(parts: WanParts, request: LongVideoRequest) -> float:
    """Measured cost of decoding one block, in units of one layer's share of one block's steps.

    Timed in CPU time of this process, so that other load on the machine does not skew the split.
    """
    ratio = parts.spatial_ratio
    size = (request.height // ratio, request.width // ratio)
    window = torch.zeros(1, parts.latent_channels, request.block_frames + request.context_frames, *size)
    model = parts.transformer
    text = torch.zeros(2 if request.guided else 1, 4, model.config.text_dim)
    x = window.expand(text.shape[0], -1, -1, -1, -1)
    timestep = torch.full((text.shape[0],), 500.0)
    model(x, timestep, text)
    started = time.process_time()
    model(x, timestep, text)
    per_layer = (time.process_time() - started) / len(model.blocks)
    decoder = make_decoder(parts.vae)
    block = window[:, :, : request.block_frames]
    decoder.decode(block)
    started = time.process_time()
    decoder.decode(block)
    return (time.process_time() - started) / (per_layer * request.steps)


def run_worker(factory: PartsFactory, request: LongVideoRequest, group: PipelineGroup, *,
               threads: int | None = None, layer_split: list[int] | None = None,
               first_block: int = 0, cache_dir: Path | None = None,
               on_block: BlockCallback | None = None,
               check_cancel: Callable[[], None] | None = None) -> list[WorkerReport]:
    """Run this rank's share of a DualParal generation; returns every rank's report (rank order)."""
    if threads:
        torch.set_num_threads(threads)
    parts = factory()
    if not group.first:
        parts.vae = None
    parts.transformer.to(group.device)
    if group.first and parts.vae is not None:
        parts.vae.to(group.device)
    num_layers = len(parts.transformer.blocks)
    if layer_split is None and group.world > 1:
        layer_split = group.broadcast(
            split_layers(num_layers, group.world, _decode_cost_in_layers(parts, request)) if group.first else None)
    counts = layer_split or [len(r) for r in layer_slices(num_layers, group.world)]
    if len(counts) != group.world or sum(counts) != num_layers or min(counts) < 1:
        raise ValueError(f"layer_split {counts} must give each of {group.world} workers >= 1 of {num_layers} layers")
    start = sum(counts[: group.rank])
    cache = BlockCache(cache_dir, request.fingerprint(parts.name)) if cache_dir is not None and group.first else None
    sampler = DualParalSampler(parts, request, group, range(start, start + counts[group.rank]),
                               cache=cache, first_block=first_block)
    report = sampler.run(on_block if group.first else None, check_cancel)
    return group.gather(report)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _local_worker(rank: int, world: int, port: int, kwargs: dict[str, Any]) -> None:
    die_with_parent()
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
                            timeout=GROUP_TIMEOUT)
    try:
        run_worker(group=PipelineGroup.current(), **kwargs)
    finally:
        dist.destroy_process_group()


def _first_block(request: LongVideoRequest, parts: WanParts, cache_dir: Path | None,
                 regenerate_from_s: float | None) -> int:
    if regenerate_from_s is None or regenerate_from_s <= 0:
        return 0
    if cache_dir is None:
        raise ValueError("regenerate_from needs the job's cache (cache_dir) of an earlier run")
    plan = request.plan(parts.temporal_factor)
    cache = BlockCache(cache_dir, request.fingerprint(parts.name))
    spans = [plan.video_span(k) for k in range(plan.blocks)]
    return min(cache.reusable(spans, int(regenerate_from_s * request.fps)), plan.blocks - 1)


def generate_long_video(factory: PartsFactory, request: LongVideoRequest, *, workers: int = 1,
                        threads_per_worker: int | None = None, on_block: BlockCallback | None = None,
                        check_cancel: Callable[[], None] | None = None, cache_dir: Path | None = None,
                        regenerate_from_s: float | None = None,
                        layer_split: list[int] | None = None) -> dict[str, Any]:
    """Generate ``request``; ``on_block`` receives each finished block's frames as soon as it exists.

    ``workers`` CPU worker processes share the transformer's layers (pipeline parallelism); the
    output does not depend on ``workers`` or ``layer_split``. With ``cache_dir`` every finished block
    is cached there; ``regenerate_from_s`` reuses the cached blocks wholly before that time and
    generates the rest. Returns the run's stats (JSON-able).
    """
    if workers < 1:
        raise ValueError("workers must be >= 1")
    on_block = on_block or (lambda _out: None)
    started = time.perf_counter()
    if request.mode != "dualparal":
        if workers != 1:
            raise ValueError(f"mode {request.mode!r} is a one-process baseline; use workers=1")
        if threads_per_worker:
            torch.set_num_threads(threads_per_worker)
        parts = factory()
        reports, first_block = [run_baseline(parts, request, on_block, check_cancel)], 0
    else:
        if threads_per_worker:
            torch.set_num_threads(threads_per_worker)
        parts = factory()
        first_block = _first_block(request, parts, cache_dir, regenerate_from_s)
        kwargs = {"request": request, "threads": threads_per_worker, "layer_split": layer_split,
                  "first_block": first_block, "cache_dir": cache_dir}
        if workers == 1:
            reports = run_worker(lambda: parts, group=PipelineGroup(), on_block=on_block,
                                 check_cancel=check_cancel, **kwargs)
        else:
            reports = _run_local_group(workers, factory, parts, kwargs, on_block, check_cancel)
    return stats_for(request, reports, first_block, time.perf_counter() - started)


def _run_local_group(workers: int, factory: PartsFactory, parts: WanParts, kwargs: dict[str, Any],
                     on_block: BlockCallback, check_cancel: Callable[[], None] | None) -> list[WorkerReport]:
    """Rank 0 here (with the parts already built), ranks 1.. in spawned processes building their own."""
    port = _free_port()
    ctx = mp.get_context("spawn")
    children = [ctx.Process(target=_local_worker, args=(rank, workers, port, dict(kwargs, factory=factory)),
                            daemon=True)
                for rank in range(1, workers)]
    for child in children:
        child.start()
    try:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=workers,
                                timeout=GROUP_TIMEOUT)
        try:
            reports = run_worker(lambda: parts, group=PipelineGroup.current(), on_block=on_block,
                                 check_cancel=check_cancel, **kwargs)
        finally:
            dist.destroy_process_group()
        for child in children:
            child.join()
            if child.exitcode != 0:
                raise RuntimeError(f"a DualParal worker process failed (exit code {child.exitcode})")
        return reports
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
                child.join()


def stats_for(request: LongVideoRequest, reports: list[WorkerReport], first_block: int,
              total_s: float) -> dict[str, Any]:
    """The run's stats: blocks, block_frames, context_frames, bubble_fraction, times, memory."""
    blocks = reports[0].blocks
    wall = max(r.wall_s for r in reports)
    first = reports[0].first_block_s
    return {
        "mode": request.mode,
        "workers": len(reports),
        "frames": request.num_frames,
        "seconds": request.duration,
        "blocks": blocks,
        "block_frames": request.block_frames,
        "context_frames": request.context_frames,
        "steps": request.steps,
        "feature_cache": request.feature_cache,
        "seed": request.seed,
        "reused_blocks": first_block,
        "forwards": sum(r.forwards for r in reports) // max(len(reports), 1),
        "sampling_s": wall,
        "total_s": total_s,
        "time_per_frame_s": wall / request.num_frames,
        "time_to_first_frames_s": first,
        "first_frames_fraction": (first / wall) if first is not None and wall > 0 else None,
        "bubble_fraction": sum(r.wait_s for r in reports) / sum(r.wall_s for r in reports),
        "max_worker_cpu_s": max(r.cpu_s for r in reports),
        "peak_rss_mb_total": sum(r.peak_rss_mb for r in reports),
        "peak_state_mb_total": sum(r.peak_state_mb for r in reports),
        "layer_split": [r.layers[1] - r.layers[0] for r in reports],
        "worker_reports": [asdict(r) for r in reports],
    }
