"""Two long-video noise schedules from the papers NoiseLoom builds on.

``FreeNoiseRescheduling`` (FreeNoise, Qiu et al. 2024): the first ``window`` latent frames are fresh
noise; after that, every chunk of ``stride`` frames is a seeded shuffle of the chunk ``window`` frames
earlier, so any window of the video holds the same noise frames in a local order: long videos keep
the content of their first window instead of drifting.

``LookBackNoise`` (after CoNo's look-back, Wang et al. 2024): frame j of a block of n frames is
``sqrt(1 - a_j) * fresh + sqrt(a_j) * (the previous block's last frame)`` with ``a_j = alpha (1 - j/n)``:
a block starts from noise correlated with where the previous one ended (smooth joins) and moves on to
fresh noise, while every frame stays exactly N(0, 1).

Both depend only on (seed, frame index): every worker makes the same noise without communication.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import torch


class _FrameSequence(ABC):
    """Latent noise frames (C, H, W) made in order, each from the seed and the frames before it."""

    def __init__(self, seed: int, channels: int, height: int, width: int):
        self.seed, self.shape = seed, (channels, height, width)
        self.frames: list[torch.Tensor] = []

    def fresh(self, index: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed((self.seed * 1_000_003 + 7919 * (index + 1)) % 2**63)
        return torch.randn(self.shape, generator=generator)

    @abstractmethod
    def next_frame(self, index: int) -> torch.Tensor:
        """Frame ``index``, given ``self.frames[:index]``."""

    def block_noise(self, block: int, frames: int) -> torch.Tensor:
        start = block * frames
        while len(self.frames) < start + frames:
            self.frames.append(self.next_frame(len(self.frames)))
        return torch.stack(self.frames[start:start + frames], dim=1).unsqueeze(0)


class FreeNoiseRescheduling(_FrameSequence):
    def __init__(self, seed: int, channels: int, height: int, width: int, options: dict[str, Any]):
        super().__init__(seed, channels, height, width)
        self.window = int(options.get("window", 8))
        self.stride = int(options.get("stride", 4))
        if not 1 <= self.stride <= self.window:
            raise ValueError("noise_options: FreeNoise needs 1 <= stride <= window (latent frames)")
        self.orders: dict[int, torch.Tensor] = {}

    def _order(self, chunk: int) -> torch.Tensor:
        if chunk not in self.orders:
            generator = torch.Generator().manual_seed((self.seed * 7_368_787 + chunk) % 2**63)
            self.orders[chunk] = torch.randperm(self.stride, generator=generator)
        return self.orders[chunk]

    def next_frame(self, index: int) -> torch.Tensor:
        if index < self.window:
            return self.fresh(index)
        offset = index - self.window
        chunk, position = divmod(offset, self.stride)
        source = chunk * self.stride + int(self._order(chunk)[position])
        return self.frames[source] if source < index else self.fresh(index)


class LookBackNoise(_FrameSequence):
    def __init__(self, seed: int, channels: int, height: int, width: int, options: dict[str, Any]):
        super().__init__(seed, channels, height, width)
        self.alpha = float(options.get("alpha", 0.5))
        self.block = 1
        if not 0.0 <= self.alpha < 1.0:
            raise ValueError("noise_options.alpha: the look-back share must be in [0, 1)")

    def block_noise(self, block: int, frames: int) -> torch.Tensor:
        self.block = frames
        return super().block_noise(block, frames)

    def next_frame(self, index: int) -> torch.Tensor:
        fresh = self.fresh(index)
        block, position = divmod(index, self.block)
        if block == 0:
            return fresh
        share = self.alpha * (1.0 - position / self.block)
        anchor = self.frames[block * self.block - 1]  # the previous block's last frame
        return math.sqrt(1.0 - share) * fresh + math.sqrt(share) * anchor
