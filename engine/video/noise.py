"""Coordinated noise initialisation for block-wise long-video sampling.

Every block's initial noise is a seeded shuffle of one shared pool of noise frames (FreeNoise-style):
blocks far apart start from the same frames in a different order, which keeps the video's global
dynamics consistent, and any worker can produce any block's noise from the seed alone, with no
communication and no state.
"""

from __future__ import annotations

import torch


class NoisePool:
    """A pool of ``pool_frames`` latent noise frames of shape (channels, H, W), drawn from ``seed``."""

    def __init__(self, seed: int, channels: int, height: int, width: int, pool_frames: int):
        if pool_frames < 1:
            raise ValueError("noise pool_frames must be >= 1")
        self.seed = int(seed)
        self.pool_frames = pool_frames
        generator = torch.Generator().manual_seed(self.seed)
        self.pool = torch.randn(channels, pool_frames, height, width, generator=generator)

    def block_noise(self, block: int, frames: int) -> torch.Tensor:
        """The initial noise of block ``block``: ``frames`` pool frames in a seeded order, (1, C, F, H, W).

        The order depends only on (seed, block); when ``frames`` exceeds the pool, the pool repeats
        in fresh shuffles.
        """
        generator = torch.Generator().manual_seed((self.seed * 1_000_003 + 7919 * (block + 1)) % (2**63))
        order = torch.cat([
            torch.randperm(self.pool_frames, generator=generator)
            for _ in range(-(-frames // self.pool_frames))
        ])[:frames]
        return self.pool[:, order].unsqueeze(0).clone()
