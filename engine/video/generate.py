"""The ``video.generate`` runner: one clip through the whole-clip sampler, written as MP4 + JSON sidecar;
long and multi-prompt videos (``mode`` dualparal or window, or timed prompts) go to ``long_video``.

Generation is seeded: the same params give the same frames, bit for bit, on
the CPU (torch runs deterministic kernels on the CPU; the thread count does not change the results of
the ops used here, and the noise comes from a CPU generator).
"""

from __future__ import annotations

import functools
import hashlib
import resource
import time
from pathlib import Path

import numpy as np
import torch

from engine.atomic import write_json_atomic
from engine.jobs.context import JobContext
from engine.media.video_io import write_mp4
from engine.video import models
from engine.video.long_video import run_long
from engine.video.sampler import denoise, initial_noise
from engine.video.spec import VideoGenerateParams

MAX_FULL_FRAMES = 1025


def _peak_rss_bytes() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _check_size(params: VideoGenerateParams, model: models.VideoModel) -> None:
    m = model.size_multiple
    for name in ("width", "height"):
        value = getattr(params, name)
        if value % m:
            raise ValueError(f"{name} {value} is not a multiple of {m} (this model's VAE factor "
                             f"{model.spatial_factor} x patch); use {value - value % m or m}")


def _check_fits(params: VideoGenerateParams, model: models.VideoModel) -> int:
    if params.workers != 1:
        raise ValueError("workers must be 1 for mode 'full' (one process runs the whole clip); use mode "
                         "'dualparal' to spread a video over several workers")
    frames = model.frames_for(params.total_frames())
    if frames > MAX_FULL_FRAMES:
        raise ValueError(f"{frames} frames is too long for one clip in mode 'full' (at most {MAX_FULL_FRAMES}); "
                         "shorten seconds/frames or use the long-video mode")
    return frames


def run(params: VideoGenerateParams, ctx: JobContext) -> dict:
    """Generate the clip described by ``params``; writes ``video.mp4`` and ``video.json``."""
    if isinstance(params, dict):
        params = VideoGenerateParams.model_validate(params)
    t_start = time.perf_counter()
    ctx.progress(0.0, "loading model")
    try:
        model = models.load(params.model)
    except models.ModelError as exc:
        raise ValueError(str(exc)) from None
    _check_size(params, model)
    if params.mode != "full" or params.prompts or params.noise != "pool":
        return run_long(params, ctx, model, functools.partial(_write_sidecar, ctx))
    frames = _check_fits(params, model)
    ctx.check_cancel()
    ctx.progress(0.02, "encoding prompt")
    cond = model.encode_prompts([params.prompt])
    uncond = model.encode_prompts([params.negative_prompt])
    noise = initial_noise(model, frames, params.width, params.height, params.seed)

    def on_step(i: int, steps: int, x0: torch.Tensor) -> None:
        ctx.check_cancel()
        preview = model.decode(x0[:, :, :1])[0]
        ctx.preview(preview, {"step": i + 1, "steps": steps, "frame": 0})
        ctx.progress(0.05 + 0.85 * (i + 1) / steps, f"denoising step {i + 1}/{steps}")

    t_sampling = time.perf_counter()
    latents = denoise(model, noise, cond, uncond, params.steps, params.guidance, on_step)
    seconds_sampling = time.perf_counter() - t_sampling
    ctx.progress(0.92, "decoding")
    video = model.decode(latents)[:frames]
    seconds_to_first_frames = time.perf_counter() - t_start
    ctx.check_cancel()
    ctx.progress(0.96, "writing video")
    video_path = ctx.output_path("video.mp4")
    write_mp4(video_path, video, params.fps)
    stats = {
        "frames": int(video.shape[0]),
        "latent_frames": int(latents.shape[2]),
        "steps": params.steps,
        "workers": 1,
        "mode": params.mode,
        "width": params.width,
        "height": params.height,
        "fps": params.fps,
        "seconds_total": round(time.perf_counter() - t_start, 3),
        "seconds_sampling": round(seconds_sampling, 3),
        "seconds_to_first_frames": round(seconds_to_first_frames, 3),
        "peak_memory_bytes": _peak_rss_bytes(),
        "torch_threads": torch.get_num_threads(),
        "frames_sha256": _digest(video),
    }
    _write_sidecar(ctx, params, model, stats, video_path)
    ctx.progress(1.0, "done")
    return {"video": str(video_path), "sidecar": str(ctx.output_path("video.json")), **stats}


def _write_sidecar(ctx: JobContext, params: VideoGenerateParams, model: models.VideoModel, stats: dict,
                   video_path: Path) -> None:
    """``video.json``: everything needed to make the same video again, and what it cost."""
    sidecar = {"kind": "video.generate", "params": params.model_dump(), "model_folder": str(model.folder),
               "frames_asked": params.total_frames(), "stats": stats, "video": video_path.name}
    write_json_atomic(ctx.output_path("video.json"), sidecar)


def _digest(video: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(video).tobytes()).hexdigest()
