"""Coordinated noise initialisation for block-wise long-video sampling, and the choice among
initialisers: the built-in shared pool, or a plugin's ``noise_initialisers`` contribution (the names are
in ``engine.video.noise_registry``, which the job language checks without torch).

Every block's initial noise is a seeded shuffle of one shared pool of noise frames (FreeNoise-style):
blocks far apart start from the same frames in a different order, which keeps the video's global
dynamics consistent, and any worker can produce any block's noise from the seed alone, with no
communication and no state.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch

from engine.video.noise_registry import BUILTIN, NOISE_INITIALISERS


class NoiseInitialiser(Protocol):
    """What a noise initialiser is: built from ``(seed, channels, height, width, options)`` (latent
    sizes), it gives each block's initial noise, (1, C, frames, H, W), from the block index alone."""

    def block_noise(self, block: int, frames: int) -> torch.Tensor: ...


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


def pool_initialiser(seed: int, channels: int, height: int, width: int, options: dict[str, Any]) -> NoisePool:
    """The built-in ``pool`` initialiser; ``options["pool_frames"]`` frames in the pool."""
    return NoisePool(seed, channels, height, width, int(options["pool_frames"]))


def make_initialiser(name: str, options: dict[str, Any], seed: int, channels: int, height: int, width: int,
                     pool_frames: int) -> NoiseInitialiser:
    """The initialiser called ``name``: ``pool`` (built in) or an enabled plugin's contribution."""
    factory = NOISE_INITIALISERS.load(name, "noise")
    options = {"pool_frames": pool_frames, **options} if name == BUILTIN else dict(options)
    return factory(seed, channels, height, width, options)
