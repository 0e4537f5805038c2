"""Batches of shapes-world clips as tensors for training, deterministic from a seed and a step."""

from __future__ import annotations

import numpy as np
import torch

from engine.video.world.sample import Example, Split, sample_example

FRAMES = 17
FPS = 16.0
SIZE = 64


def clip_tensor(clip: np.ndarray) -> torch.Tensor:
    """F x H x W x 3 uint8 -> 3 x F x H x W float in [-1, 1]."""
    return torch.from_numpy(clip).permute(3, 0, 1, 2).float().div(127.5).sub(1.0)


def examples(seed: int, count: int, split: Split = "train") -> list[Example]:
    """``count`` examples; example i is drawn from seed ``seed * 1_000_003 + i``."""
    return [sample_example(seed * 1_000_003 + i, split, FRAMES, FPS, SIZE, SIZE) for i in range(count)]


def clip_batch(seed: int, count: int, split: Split = "train") -> torch.Tensor:
    """B x 3 x F x H x W clips in [-1, 1]."""
    return torch.stack([clip_tensor(e.clip) for e in examples(seed, count, split)])


def frame_batch(seed: int, clips: int, frames_per_clip: int, split: Split = "train") -> torch.Tensor:
    """B x 3 x H x W frames: ``frames_per_clip`` random frames of each of ``clips`` clips."""
    rng = np.random.default_rng(seed)
    batch = clip_batch(seed, clips, split)
    picks = [batch[i, :, int(j)] for i in range(clips) for j in rng.choice(FRAMES, frames_per_clip, replace=False)]
    return torch.stack(picks)


def object_mask(frames: torch.Tensor, threshold: float = 70.0 / 127.5) -> torch.Tensor:
    """B x 1 x H x W float mask of the pixels that differ from the frame's border colour (the object).

    The background colour is the per-channel median of the one-pixel border; a pixel belongs to the
    object when its RGB distance from it exceeds ``threshold`` (in [-1, 1] units, the detector's 70 of
    255), grown by one pixel so the object's anti-aliased edge counts too.
    """
    border = torch.cat([frames[:, :, 0], frames[:, :, -1], frames[:, :, :, 0], frames[:, :, :, -1]], dim=2)
    background = border.median(dim=2).values[:, :, None, None]
    far = ((frames - background).norm(dim=1, keepdim=True) > threshold).float()
    return torch.nn.functional.max_pool2d(far, 3, stride=1, padding=1)


def latent_object_mask(latents: torch.Tensor, threshold: float) -> torch.Tensor:
    """B x 1 x F x h x w mask of the latent positions that hold the object, from the latents alone.

    ``latents`` are normalised (B x C x F x h x w, unit variance per channel). A frame's background is
    the per-channel median over its positions; a position belongs to the object when its distance from
    it exceeds ``threshold``, grown by one position so the object's edge counts too. On the builtin
    autoencoder's latents, threshold 2 flags about 15% of the positions and finds 97.5% of the object's.
    """
    b, _, f, h, w = latents.shape
    background = latents.flatten(3).median(dim=3).values[..., None, None]
    far = ((latents - background).norm(dim=1) > threshold).float().reshape(b * f, 1, h, w)
    grown = torch.nn.functional.max_pool2d(far, 3, stride=1, padding=1)
    return grown.reshape(b, f, h, w)[:, None]

