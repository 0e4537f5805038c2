"""Seed lock: the latent frames a seed-locked prompt holds start from that prompt's own seed.

A timed prompt with a ``seed`` keeps its initial noise when the job's seed changes or other prompts
are edited. Each latent frame belongs to the prompt that holds at the frame's first video frame (on
the timeline whose hard cuts sit on block starts, as the sampler conditions it); a frame of a locked
prompt takes the noise that the job's initialiser gives that very frame when it is built from the
prompt's seed instead of the job's. So locking a prompt with the job's current seed changes nothing,
and only later changes of the job's seed (or of other prompts) leave it alone; moving the locked
prompt gives it that seed's noise at its new frames. Everything is a function of seeds and frame
positions, so every worker, and both baselines, make the same noise without communication.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch

from engine.video.dualparal.plan import first_video_frame
from engine.video.noise import NoiseInitialiser
from engine.video.prompts import PromptTimeline

InitialiserFor = Callable[[int], NoiseInitialiser]  # seed -> the job's initialiser built from that seed


def locked_frame_seeds(timeline: PromptTimeline, latent_frames: int, temporal: int, fps: int) -> dict[int, int]:
    """The seed of each latent frame (of ``latent_frames``) that a seed-locked prompt holds."""
    seeds: dict[int, int] = {}
    for frame in range(latent_frames):
        prompt = timeline.holder(first_video_frame(frame, temporal) / fps)
        if prompt is not None and prompt.seed is not None:
            seeds[frame] = prompt.seed
    return seeds


class SeedLockedNoise:
    """The job's initial noise, with the frames of locked prompts drawn from their own seeds."""

    def __init__(self, initialiser_for: InitialiserFor, seed: int, frame_seeds: Mapping[int, int]):
        self._initialiser_for = initialiser_for
        self._by_seed: dict[int, NoiseInitialiser] = {seed: initialiser_for(seed)}
        self._job_seed = seed
        self._frame_seeds = dict(frame_seeds)

    def _initialiser(self, seed: int) -> NoiseInitialiser:
        if seed not in self._by_seed:
            self._by_seed[seed] = self._initialiser_for(seed)
        return self._by_seed[seed]

    def block_noise(self, block: int, frames: int) -> torch.Tensor:
        """Block ``block``'s initial noise, (1, C, frames, H, W): each frame from its own seed."""
        noise = self._initialiser(self._job_seed).block_noise(block, frames)
        first = block * frames
        columns: dict[int, list[int]] = {}
        for column in range(frames):
            seed = self._frame_seeds.get(first + column, self._job_seed)
            if seed != self._job_seed:
                columns.setdefault(seed, []).append(column)
        if columns:
            noise = noise.clone()  # an initialiser may hand out a view of what it keeps
        for seed, taken in columns.items():
            noise[:, :, taken] = self._initialiser(seed).block_noise(block, frames)[:, :, taken]
        return noise


def seed_locked_initialiser(initialiser_for: InitialiserFor, seed: int, timeline: PromptTimeline,
                            latent_frames: int, temporal: int, fps: int) -> NoiseInitialiser:
    """The initial-noise source of a job with seed ``seed``: its initialiser as it is when no prompt is
    locked (bit for bit the unlocked noise), else a ``SeedLockedNoise`` over it."""
    frame_seeds = locked_frame_seeds(timeline, latent_frames, temporal, fps)
    if not frame_seeds:
        return initialiser_for(seed)
    return SeedLockedNoise(initialiser_for, seed, frame_seeds)
