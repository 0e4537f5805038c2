"""``video.generate`` for long and multi-prompt videos: DualParal (or a baseline) through the engine.

The job's params become a ``LongVideoRequest``; each block that leaves the queue is appended to the
MP4 at once and announced with a ``block_done`` event (frame range, times) and a preview, so the
studio fills its timeline while later blocks are still denoising. Blocks are cached in the job's
folder; a job with ``regenerate_from`` and ``reuse_job`` starts from a copy of the earlier job's cache
and generates only the blocks from that time on.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.jobs.context import JobContext
from engine.media.video_io import Mp4Writer
from engine.video import models
from engine.video.dualparal import BlockOutput, LongVideoRequest, WanParts, generate_long_video
from engine.video.prompts import PromptTimeline, TimedPrompt
from engine.video.spec import VideoGenerateParams

DEFAULT_BLOCK_FRAMES = 4
DEFAULT_CONTEXT_FRAMES = 1


def parts_for(model_name: str) -> WanParts:
    """The sampler's parts of ``model_name`` (module level, so spawned workers can build their own)."""
    try:
        model = models.load(model_name)
    except models.ModelError as exc:
        raise ValueError(str(exc)) from None
    return WanParts.from_pipeline(model.pipeline, model.encode_prompts, model_name)


class LoadedParts:
    """A parts factory: the model already loaded in this process for rank 0; pickled (for a spawned
    worker) it becomes ``parts_for(name)``, so each worker loads its own copy from the folder."""

    def __init__(self, model: models.VideoModel):
        self.model = model

    def __call__(self) -> WanParts:
        return WanParts.from_pipeline(self.model.pipeline, self.model.encode_prompts, self.model.name)

    def __reduce__(self) -> tuple:
        return functools.partial, (parts_for, self.model.name)


def long_request(params: VideoGenerateParams, model: models.VideoModel) -> LongVideoRequest:
    """The DualParal request of ``params`` for ``model`` (frame count rounded to what its VAE makes)."""
    timed = tuple(TimedPrompt(p.start, p.end, p.text, p.transition, p.hard_cut, p.curve,
                              tuple((k.param, k.time, k.value) for k in p.keyframes), p.seed) for p in params.prompts)
    block = params.block_frames or DEFAULT_BLOCK_FRAMES
    context = params.context_frames if params.context_frames is not None else min(DEFAULT_CONTEXT_FRAMES, block)
    return LongVideoRequest(
        prompts=PromptTimeline(params.prompt, timed, params.transition_curve), num_frames=model.frames_for(params.total_frames()),
        height=params.height, width=params.width, steps=params.steps, guidance=params.guidance,
        seed=params.seed, fps=params.fps, block_frames=block, context_frames=context, mode=params.mode,
        negative_prompt=params.negative_prompt, noise=params.noise, noise_options=dict(params.noise_options))


def _cache_dir(ctx: JobContext, params: VideoGenerateParams) -> Path:
    """This job's block cache, seeded from ``reuse_job``'s when regenerating."""
    cache = ctx.output_dir.parent / "cache"
    if params.reuse_job and not cache.exists():
        earlier = ctx.output_dir.parent.parent / params.reuse_job / "cache"
        if not earlier.is_dir():
            raise ValueError(f"reuse_job: job {params.reuse_job} has no block cache (it did not run in mode "
                             "'dualparal' on this engine); generate without regenerate_from")
        shutil.copytree(earlier, cache)
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def run_long(params: VideoGenerateParams, ctx: JobContext, model: models.VideoModel,
             write_sidecar: Callable[..., None]) -> dict[str, Any]:
    """Generate ``params`` block-wise; writes ``video.mp4`` and ``video.json``, returns the stats."""
    started = time.perf_counter()
    request = long_request(params, model)
    cache = _cache_dir(ctx, params) if params.mode == "dualparal" else None
    video_path = ctx.output_path("video.mp4")
    first_frames_at: list[float] = []
    digest = hashlib.sha256()

    with Mp4Writer(video_path, params.fps) as writer:
        def on_block(out: BlockOutput) -> None:
            writer.write(out.frames)
            digest.update(np.ascontiguousarray(out.frames).tobytes())
            if not first_frames_at:
                first_frames_at.append(time.perf_counter() - started)
            end = out.start_frame + len(out.frames)
            ctx.emit("block_done", {"block": out.block, "frames": [out.start_frame, end],
                                    "start": out.start_s, "end": out.end_s, "reused": out.reused,
                                    "prompts": {text: round(w, 6) for text, w in out.weights.items()}})
            ctx.preview(out.frames[-1], {"block": out.block, "frame": end - 1, "final": True})
            fraction = end / request.num_frames
            ctx.progress(0.05 + 0.9 * fraction, f"block {out.block + 1} done ({end}/{request.num_frames} frames)")

        ctx.progress(0.02, f"{params.mode}: {params.workers} worker(s)")
        stats = generate_long_video(
            LoadedParts(model), request, workers=params.workers,
            threads_per_worker=torch.get_num_threads(), on_block=on_block, check_cancel=ctx.check_cancel,
            cache_dir=cache, regenerate_from_s=params.regenerate_from)
    result = {
        "frames": writer.frames_written, "latent_frames": model.latent_frames(request.num_frames),
        "steps": params.steps, "workers": stats["workers"], "mode": params.mode,
        "width": params.width, "height": params.height, "fps": params.fps,
        "seconds_total": round(time.perf_counter() - started, 3),
        "seconds_sampling": round(stats["sampling_s"], 3),
        "seconds_to_first_frames": round(first_frames_at[0], 3) if first_frames_at else None,
        "peak_memory_bytes": int(stats["peak_rss_mb_total"] * 2**20),
        "blocks": stats["blocks"], "block_frames": request.block_frames, "context_frames": request.context_frames,
        "bubble_fraction": round(stats["bubble_fraction"], 4), "reused_blocks": stats["reused_blocks"],
        "layer_split": stats["layer_split"], "seed": params.seed, "frames_sha256": digest.hexdigest(),
    }
    write_sidecar(params, model, result, video_path)
    return result
