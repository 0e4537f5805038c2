"""Small, fast settings for the DualParal tests: the tiny random Wan at 32x32, few steps."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from engine.video.dualparal.parts import tiny_random_parts
from engine.video.dualparal.request import LongVideoRequest
from engine.video.prompts import PromptTimeline, TimedPrompt

FACTORY = functools.partial(tiny_random_parts, 3, layers=3, heads=2, head_dim=24)


def small_request(**changes) -> LongVideoRequest:
    settings = {
        "prompts": PromptTimeline("a grey background", (TimedPrompt(0.0, 1.2, "a red circle", transition=0.5),
                                                     TimedPrompt(1.2, 3.0, "a blue square", transition=0.5))),
        "num_frames": 41, "height": 32, "width": 32, "steps": 3, "guidance": 3.0, "seed": 11, "block_frames": 3, "context_frames": 1,
    }
    settings.update(changes)
    return LongVideoRequest(**settings)


class Collector:
    """Collects the blocks a run emits."""

    def __init__(self):
        self.blocks = []

    def __call__(self, block) -> None:
        self.blocks.append(block)

    @property
    def frames(self) -> np.ndarray:
        return np.concatenate([b.frames for b in self.blocks])

    @property
    def latents(self) -> torch.Tensor:
        return torch.cat([b.latents for b in self.blocks], dim=2)


@pytest.fixture(autouse=True)
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
