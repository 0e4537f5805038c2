"""Drawing shapes-world clips with OpenCV: a static background and one moving object.

Positions and sizes are fractions of the frame and functions of time in seconds, so the same scene
looks the same at any size, frame rate or length. Shapes are drawn at 4x the size and shrunk with area
averaging, which gives smooth edges and sub-pixel motion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from engine.video.world.vocab import BACKGROUNDS, COLOURS, Scene

_SUPERSAMPLE = 4
_GROWTH_PER_SECOND = 0.6  # growing/shrinking: size multiplies by exp(+-0.6) per second
_BOUNCE_PERIOD_S = 0.5


@dataclass(frozen=True)
class Layout:
    """The random choices behind one clip: where the object starts, how big and fast it is."""

    x0: float  # centre, fraction of width
    y0: float  # centre, fraction of height
    radius: float  # fraction of the smaller side
    speed: float  # fraction of the frame per second
    texture_seed: int


def draw_layout(scene: Scene, rng: np.random.Generator, seconds: float) -> Layout:
    """Choose a layout that keeps the object inside the frame for ``seconds``."""
    radius = float(rng.uniform(0.10, 0.14))
    speed = float(rng.uniform(0.25, 0.40))
    travel = speed * seconds
    margin = radius * (math.exp(_GROWTH_PER_SECOND * seconds) if scene.motion == "growing" else 1.0) + 0.02
    lo, hi = margin, 1.0 - margin
    x0 = float(rng.uniform(lo, hi))
    y0 = float(rng.uniform(lo, hi))
    if scene.motion == "moving left":
        x0 = float(rng.uniform(min(lo + travel, hi), hi))
    elif scene.motion == "moving right":
        x0 = float(rng.uniform(lo, max(hi - travel, lo)))
    elif scene.motion == "moving up":
        y0 = float(rng.uniform(min(lo + travel, hi), hi))
    elif scene.motion == "moving down":
        y0 = float(rng.uniform(lo, max(hi - travel, lo)))
    elif scene.motion == "bouncing":
        y0 = float(rng.uniform(0.75, 1.0 - margin))  # the floor it bounces on
    return Layout(x0, y0, radius, speed, int(rng.integers(0, 2**31 - 1)))


def object_state(scene: Scene, layout: Layout, t: float) -> tuple[float, float, float]:
    """Centre (x, y as fractions) and radius (fraction of the smaller side) at time ``t`` seconds."""
    x, y, r = layout.x0, layout.y0, layout.radius
    d = layout.speed * t
    if scene.motion == "moving left":
        x -= d
    elif scene.motion == "moving right":
        x += d
    elif scene.motion == "moving up":
        y -= d
    elif scene.motion == "moving down":
        y += d
    elif scene.motion == "bouncing":
        height = min(0.35, y - r - 0.02)
        y -= height * abs(math.sin(math.pi * t / _BOUNCE_PERIOD_S))
    elif scene.motion == "growing":
        r *= math.exp(_GROWTH_PER_SECOND * t)
    elif scene.motion == "shrinking":
        r *= math.exp(-_GROWTH_PER_SECOND * t)
    return x, y, r


def render_background(name: str, width: int, height: int, texture_seed: int) -> np.ndarray:
    """The background as an H x W x 3 uint8 RGB image."""
    base = np.array(BACKGROUNDS[name], dtype=np.float32)
    img = np.broadcast_to(base, (height, width, 3)).copy()
    if name in ("blue sky", "night"):
        ramp = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None, None]
        img += ramp * (18.0 if name == "blue sky" else 10.0)
    elif name in ("green grass", "sand"):
        rng = np.random.default_rng(texture_seed)
        amplitude = 12.0 if name == "green grass" else 6.0
        coarse = rng.standard_normal((max(height // 8, 2), max(width // 8, 2))).astype(np.float32)
        fine = rng.standard_normal((max(height // 4, 2), max(width // 4, 2))).astype(np.float32)
        tex = (cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
               + 0.5 * cv2.resize(fine, (width, height), interpolation=cv2.INTER_CUBIC))
        img += amplitude * tex[:, :, None] * np.array([0.6, 1.0, 0.5], dtype=np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def _object_mask(shape: str, x: float, y: float, r: float, width: int, height: int) -> np.ndarray:
    """Anti-aliased coverage of the object in [0, 1], H x W float32."""
    s = _SUPERSAMPLE
    big = np.zeros((height * s, width * s), dtype=np.uint8)
    side = min(width, height)
    cx, cy, rad = x * width * s, y * height * s, r * side * s
    if shape == "ball":
        cv2.circle(big, (round(cx), round(cy)), max(round(rad), 1), 255, thickness=-1, lineType=cv2.LINE_8)
    elif shape == "square":
        h = rad * 0.9
        pts = np.array([[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h], [cx - h, cy + h]])
        cv2.fillPoly(big, [np.round(pts).astype(np.int32)], 255)
    else:  # triangle, pointing up, centred on its centroid
        pts = np.array([[cx, cy - rad * 1.15], [cx + rad * 1.15, cy + rad * 0.75], [cx - rad * 1.15, cy + rad * 0.75]])
        cv2.fillPoly(big, [np.round(pts).astype(np.int32)], 255)
    return cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def render_clip(scene: Scene, layout: Layout, frames: int, fps: float, width: int, height: int) -> np.ndarray:
    """The clip as an F x H x W x 3 uint8 RGB array."""
    background = render_background(scene.background, width, height, layout.texture_seed).astype(np.float32)
    colour = np.array(COLOURS[scene.colour], dtype=np.float32)
    out = np.empty((frames, height, width, 3), dtype=np.uint8)
    for i in range(frames):
        x, y, r = object_state(scene, layout, i / fps)
        alpha = _object_mask(scene.shape, x, y, r, width, height)[:, :, None]
        out[i] = np.clip(background * (1.0 - alpha) + colour * alpha + 0.5, 0, 255).astype(np.uint8)
    return out
