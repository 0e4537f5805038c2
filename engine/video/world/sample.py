"""Drawing examples (scene, caption, clip) from the shapes world, deterministically from a seed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from engine.video.world.captions import caption
from engine.video.world.render import Layout, draw_layout, render_clip
from engine.video.world.vocab import Scene, all_scenes, is_held_out

Split = Literal["train", "held_out", "any"]

_SCENES = all_scenes()
_BY_SPLIT: dict[str, list[Scene]] = {
    "train": [s for s in _SCENES if not is_held_out(s)],
    "held_out": [s for s in _SCENES if is_held_out(s)],
    "any": _SCENES,
}


@dataclass(frozen=True)
class Example:
    scene: Scene
    caption: str
    layout: Layout
    clip: np.ndarray  # F x H x W x 3 uint8 RGB


def scenes(split: Split) -> list[Scene]:
    """The allowed scenes of a split, in a fixed order."""
    return list(_BY_SPLIT[split])


def sample_scene(rng: np.random.Generator, split: Split = "train") -> Scene:
    """A uniformly drawn scene of ``split``."""
    pool = _BY_SPLIT[split]
    return pool[int(rng.integers(len(pool)))]


def sample_example(seed: int, split: Split = "train", frames: int = 17, fps: float = 16.0,
                   width: int = 64, height: int = 64, scene: Scene | None = None) -> Example:
    """One example, the same for the same arguments."""
    rng = np.random.default_rng(seed)
    scene = scene or sample_scene(rng, split)
    text = caption(scene, rng)
    layout = draw_layout(scene, rng, (frames - 1) / fps)
    return Example(scene, text, layout, render_clip(scene, layout, frames, fps, width, height))
