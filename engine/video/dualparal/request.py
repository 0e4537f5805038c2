"""What one long-video generation asks for, independent of how many workers run it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

from engine.video.dualparal.plan import BlockPlan, blocks_for
from engine.video.dualparal.seed_lock import seed_locked_initialiser
from engine.video.noise import NoiseInitialiser, make_initialiser
from engine.video.noise_registry import BUILTIN as BUILTIN_NOISE
from engine.video.prompts import PromptTimeline

Mode = Literal["dualparal", "full", "window"]


@dataclass(frozen=True)
class LongVideoRequest:
    """A long video: prompts on a timeline, size, length, sampling and block settings, seed."""

    prompts: PromptTimeline
    num_frames: int
    height: int = 64
    width: int = 64
    steps: int = 20
    guidance: float = 4.5
    seed: int = 0
    fps: int = 16
    block_frames: int = 4
    context_frames: int = 1
    feature_cache: bool = True
    mode: Mode = "dualparal"
    negative_prompt: str = ""
    noise_pool_frames: int = 0  # 0: one block's worth of frames
    noise: str = BUILTIN_NOISE  # "pool" or a plugin's noise initialiser
    noise_options: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.num_frames < 1:
            raise ValueError("num_frames must be >= 1")
        if self.fps < 1:
            raise ValueError("fps must be >= 1")
        if self.mode not in ("dualparal", "full", "window"):
            raise ValueError(f"mode must be dualparal, full or window, got {self.mode!r}")

    @property
    def guided(self) -> bool:
        """Whether the sampler runs the unconditional pass (some moment has a guidance above 1)."""
        return self.prompts.guided(self.guidance)

    @property
    def duration(self) -> float:
        return self.num_frames / self.fps

    def plan(self, temporal: int, first_block: int = 0) -> BlockPlan:
        """The block queue for a VAE compressing time ``temporal``-fold; hard cuts cut the context."""
        plan = BlockPlan(blocks_for(self.num_frames, self.block_frames, temporal), self.block_frames,
                         self.context_frames, self.steps, first_block, temporal=temporal)
        cuts = set(self.timeline(temporal).hard_cuts(self.duration))
        starts = [plan.video_span(k)[0] / self.fps for k in range(plan.blocks)]
        return dataclasses.replace(plan, cut_before=frozenset(k for k in range(1, plan.blocks) if starts[k] in cuts))

    def timeline(self, temporal: int) -> PromptTimeline:
        """The prompts with hard cuts moved to the nearest block boundary."""
        plan = BlockPlan(blocks_for(self.num_frames, self.block_frames, temporal), self.block_frames, 0, 1,
                         temporal=temporal)
        return self.prompts.snapped([plan.video_span(k)[0] / self.fps for k in range(plan.blocks)])

    @property
    def pool_frames(self) -> int:
        return self.noise_pool_frames or self.block_frames

    def initialiser(self, channels: int, height: int, width: int, temporal: int) -> NoiseInitialiser:
        """The initial-noise source of this request for latents of (channels, height, width) of a VAE
        compressing time ``temporal``-fold: the job's seed, and seed-locked prompts' own seeds."""
        def initialiser_for(seed: int) -> NoiseInitialiser:
            return make_initialiser(self.noise, self.noise_options, seed, channels, height, width, self.pool_frames)

        return seed_locked_initialiser(initialiser_for, self.seed, self.timeline(temporal),
                                       self.plan(temporal).latent_frames, temporal, self.fps)

    def fingerprint(self, model_name: str) -> str:
        """A digest of everything but the prompts and the length that shapes each block's content."""
        keys = asdict(self)
        for volatile in ("prompts", "num_frames", "mode"):
            keys.pop(volatile)
        keys["model"] = model_name
        return hashlib.sha256(json.dumps(keys, sort_keys=True).encode()).hexdigest()[:16]
