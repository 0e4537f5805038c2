"""The two baselines DualParal is measured against, on the same model, noise and prompts.

``full``: one plain full-sequence pass, every latent frame in one forward per step (what a user of
``WanPipeline`` does); its cost per frame and memory grow with the length. ``window``: overlapping
windows of ``block_frames`` latent frames (stride ``block_frames - context_frames``), all denoised at
the same noise level each step, their predictions averaged where they overlap (Gen-L-Video-style
co-denoising). Both run in one process and emit the whole video at the end.
"""

from __future__ import annotations

import copy
import resource
import time
from collections.abc import Callable

import torch

from engine.video.dualparal.decode import make_decoder
from engine.video.dualparal.parts import WanParts
from engine.video.dualparal.plan import first_video_frame, latent_frames_for
from engine.video.dualparal.request import LongVideoRequest
from engine.video.dualparal.sampler import BlockCallback, BlockOutput, WorkerReport
from engine.video.prompts import PromptEmbeddings


def _windows(latent_frames: int, size: int, overlap: int) -> list[tuple[int, int]]:
    size = min(size, latent_frames)
    stride = max(size - overlap, 1)
    starts = list(range(0, max(latent_frames - size, 0) + 1, stride))
    if starts[-1] + size < latent_frames:
        starts.append(latent_frames - size)
    return [(s, s + size) for s in starts]


@torch.no_grad()
def run_baseline(parts: WanParts, request: LongVideoRequest, on_block: BlockCallback,
                 check_cancel: Callable[[], None] | None = None) -> WorkerReport:
    """Generate ``request`` with mode ``full`` or ``window`` in this process."""
    plan = request.plan(parts.temporal_factor)
    ratio = parts.spatial_ratio
    lat_h, lat_w = request.height // ratio, request.width // ratio
    latent_frames = latent_frames_for(request.num_frames, parts.temporal_factor)
    noise = request.initialiser(parts.latent_channels, lat_h, lat_w, parts.temporal_factor)
    latents = torch.cat([noise.block_noise(k, plan.block_frames) for k in range(plan.blocks)], dim=2)
    latents = latents[:, :, :latent_frames]
    duration = request.duration
    embeds = PromptEmbeddings([*request.prompts.texts(duration), request.negative_prompt], parts.encode_prompts)
    guided = request.guided

    def times_of(first: int, last: int) -> list[float]:
        start = first_video_frame(first, parts.temporal_factor)
        end = min(first_video_frame(last, parts.temporal_factor), request.num_frames)
        return [f / request.fps for f in range(start, max(end, start + 1))]

    def text_for(first: int, last: int) -> torch.Tensor:
        weights = request.prompts.span_weights(times_of(first, last), duration)
        rows = [embeds.blend(weights, rest=request.negative_prompt)]
        return torch.stack(rows + ([embeds.blend({request.negative_prompt: 1.0})] if guided else []))

    def guidance_for(first: int, last: int) -> float:
        return max(1.0, request.prompts.span_guidance(times_of(first, last), duration, request.guidance))

    if request.mode == "full":
        windows = [(0, latent_frames)]
    else:
        windows = _windows(latent_frames, request.block_frames, request.context_frames)
    texts = [text_for(a, b) for a, b in windows]
    scales = [guidance_for(a, b) for a, b in windows]
    scheduler = copy.deepcopy(parts.scheduler)
    scheduler.set_timesteps(request.steps)
    model = parts.transformer.eval()
    started = time.perf_counter()
    cpu_started = time.process_time()
    forwards = 0
    for t in scheduler.timesteps:
        if check_cancel is not None:
            check_cancel()
        velocity = torch.zeros_like(latents)
        count = torch.zeros(1, 1, latent_frames, 1, 1)
        for (a, b), text, scale in zip(windows, texts, scales):
            x = latents[:, :, a:b].expand(text.shape[0], -1, -1, -1, -1)
            out = model(x, t.expand(text.shape[0]), text, return_dict=False)[0].float()
            forwards += 1
            if guided:
                out = out[1:] + scale * (out[:1] - out[1:])
            velocity[:, :, a:b] += out
            count[:, :, a:b] += 1
        latents = scheduler.step(velocity / count, t, latents, return_dict=False)[0]
    frames = make_decoder(parts.vae).decode(latents)[: request.num_frames]
    on_block(BlockOutput(0, 0, frames, 0.0, len(frames) / request.fps, latents))
    wall = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    layers = len(model.blocks)
    state = (latents.nbytes * 2 + count.nbytes + sum(t.nbytes for t in texts)) / 2**20
    return WorkerReport(0, (0, layers), wall, time.process_time() - cpu_started, 0.0, forwards, rss, state, wall,
                        plan.blocks)
