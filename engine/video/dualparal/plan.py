"""The block queue as a fixed plan: which block takes which denoising step in which order.

Block ``k`` enters the queue at iteration ``k`` and takes its step ``i`` at iteration ``k + i``; at each
iteration the blocks in flight are visited from the newest to the oldest, so that the newer block has
just passed through a layer (and left its keys/values in the feature cache) when the older block
reaches it. Every worker derives the same plan from the same numbers, so nothing about the schedule
is ever communicated.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Task:
    """One fixed-size forward: block ``block`` taking denoising step ``step`` at ``iteration``."""

    index: int
    iteration: int
    block: int
    step: int
    old_context: bool  # the older block's last frames are prepended as tokens
    old_steps_done: int  # how many steps the older block has taken when this task runs
    reads_cache: bool  # the newer block just passed: its cached K/V (or its frames) join the window
    writes_cache: bool  # the older block follows: store this block's first frames' K/V


@dataclass(frozen=True)
class BlockPlan:
    """The block queue for ``blocks`` blocks of ``block_frames`` latent frames and ``steps`` steps."""

    blocks: int
    block_frames: int
    context_frames: int
    steps: int
    first_block: int = 0  # regeneration: blocks before this one come from the cache
    cut_before: frozenset[int] = frozenset()  # hard cuts: no context between block k - 1 and k
    temporal: int = 4  # the VAE's time compression: Wan's 4 (frame 0 alone, then 4 per latent), 2-D VAEs 1

    def __post_init__(self) -> None:
        if self.block_frames < 1 or self.steps < 1 or self.blocks < 1:
            raise ValueError("blocks, block_frames and steps must be >= 1")
        if not 0 <= self.context_frames <= self.block_frames:
            raise ValueError(
                f"context_frames must be between 0 and block_frames ({self.block_frames}), got {self.context_frames}")
        if not 0 <= self.first_block < self.blocks:
            raise ValueError(f"first_block must be in [0, {self.blocks}), got {self.first_block}")

    @property
    def iterations(self) -> range:
        return range(self.first_block, self.blocks + self.steps - 1)

    def in_flight(self, iteration: int) -> range:
        """The blocks that take a step at ``iteration`` (oldest first)."""
        return range(max(self.first_block, iteration - self.steps + 1), min(iteration, self.blocks - 1) + 1)

    @cached_property
    def tasks(self) -> tuple[Task, ...]:
        out: list[Task] = []
        c = self.context_frames
        for t in self.iterations:
            flight = self.in_flight(t)
            for k in reversed(flight):
                step = t - k
                out.append(Task(
                    index=len(out), iteration=t, block=k, step=step,
                    old_context=c > 0 and k > 0 and k not in self.cut_before,
                    old_steps_done=min(step + 1, self.steps),
                    reads_cache=c > 0 and (k + 1) in flight and (k + 1) not in self.cut_before,
                    writes_cache=c > 0 and (k - 1) in flight and k not in self.cut_before,
                ))
        return tuple(out)

    @cached_property
    def _task_index(self) -> dict[tuple[int, int], int]:
        return {(task.iteration, task.block): task.index for task in self.tasks}

    def needs(self, task: Task) -> int:
        """The index of the last earlier task whose result ``task``'s input depends on (-1: none)."""
        deps = [self._task_index.get((task.iteration - 1, task.block + d), -1) for d in (-1, 0, 1)]
        return max(deps)

    def window_frames(self, task: Task, feature_cache: bool) -> tuple[int, int, int]:
        """(old context, own, newer) latent frames in the token window of ``task``.

        With the feature cache the newer frames are not tokens of the window (their K/V come from
        the cache), so the last entry is 0 then.
        """
        c = self.context_frames
        newer = c if task.reads_cache and not feature_cache else 0
        return (c if task.old_context else 0, self.block_frames, newer)

    @property
    def latent_frames(self) -> int:
        return self.blocks * self.block_frames

    def video_span(self, block: int) -> tuple[int, int]:
        """The video frames [start, end) that latent block ``block`` decodes to."""
        first = block * self.block_frames
        last = first + self.block_frames - 1
        return first_video_frame(first, self.temporal), first_video_frame(last + 1, self.temporal)


def first_video_frame(latent: int, temporal: int) -> int:
    """The first video frame that latent frame ``latent`` decodes to (Wan: frame 0 alone, then 4 each)."""
    return latent if temporal == 1 or latent == 0 else temporal * (latent - 1) + 1


def latent_frames_for(num_frames: int, temporal: int) -> int:
    """How many latent frames a VAE compressing time ``temporal``-fold makes of ``num_frames`` frames."""
    return num_frames if temporal == 1 else -(-(num_frames - 1) // temporal) + 1


def blocks_for(num_frames: int, block_frames: int, temporal: int = 4) -> int:
    """How many blocks cover a video of ``num_frames`` frames (the last block may run past the end)."""
    latent = latent_frames_for(num_frames, temporal)
    return -(-latent // block_frames)
