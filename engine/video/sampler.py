"""The single-clip sampler: Wan's denoising loop over the whole clip at once (``mode`` full).

It performs the same operations in the same order as ``diffusers.WanPipeline`` (the cross-check test
holds it to that), plus what the engine needs between steps: cancel checks, progress and a preview of
the current estimate of the clean clip.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from engine.video.models import VideoModel

StepCallback = Callable[[int, int, torch.Tensor], None]


def initial_noise(model: VideoModel, frames: int, width: int, height: int, seed: int) -> torch.Tensor:
    """Seeded float32 noise of the clip's latent shape (1 x C x f x h x w)."""
    shape = (1, model.latent_channels, model.latent_frames(frames),
             height // model.spatial_factor, width // model.spatial_factor)
    return torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed), dtype=torch.float32)


@torch.no_grad()
def denoise(model: VideoModel, latents: torch.Tensor, cond: torch.Tensor, uncond: torch.Tensor,
            steps: int, guidance: float, on_step: StepCallback | None = None) -> torch.Tensor:
    """Run ``steps`` denoising steps from ``latents``; ``on_step(i, steps, x0_estimate)`` after each."""
    pipe = model.pipeline
    scheduler = type(pipe.scheduler).from_config(pipe.scheduler.config)
    scheduler.set_timesteps(steps, device=latents.device)
    scheduler.set_begin_index(0)
    dtype = pipe.transformer.dtype
    cond, uncond = cond.to(dtype), uncond.to(dtype)
    boundary = pipe.config.boundary_ratio
    boundary_t = boundary * scheduler.config.num_train_timesteps if boundary is not None else None
    for i, t in enumerate(scheduler.timesteps):
        low_noise = boundary_t is not None and t < boundary_t
        net = pipe.transformer_2 if low_noise else pipe.transformer
        x = latents.to(dtype)
        timestep = t.expand(latents.shape[0])
        pred = net(hidden_states=x, timestep=timestep, encoder_hidden_states=cond, return_dict=False)[0]
        if guidance > 1.0:
            pred_uncond = net(hidden_states=x, timestep=timestep, encoder_hidden_states=uncond,
                              return_dict=False)[0]
            pred = pred_uncond + guidance * (pred - pred_uncond)
        sigma = scheduler.sigmas[i]
        latents = scheduler.step(pred, t, latents, return_dict=False)[0]
        if on_step is not None:
            on_step(i, steps, (x.float() - sigma * pred.float()))
    return latents
