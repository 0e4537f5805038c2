"""An OpenCV detector for shapes-world frames: the object's colour by hue, shape by contour, motion by
centroid track. It scores reconstructions (the autoencoder gate) and generated clips (the benchmark).

The background colour is taken as the median of the frame's border; the object is the largest connected
region that differs from it by more than a threshold (RGB distance, above the grass texture's swing).
"""

from __future__ import annotations

import colorsys
import math
from dataclasses import dataclass

import cv2
import numpy as np

from engine.video.world.vocab import BACKGROUNDS, COLOURS

_DIFF_THRESHOLD = 70.0
_MIN_AREA_FRACTION = 0.004
_CHROMATIC = {name: colorsys.rgb_to_hsv(*(c / 255.0 for c in rgb))[0] * 360.0
              for name, rgb in COLOURS.items() if name != "white"}


@dataclass(frozen=True)
class FrameDetection:
    colour: str
    shape: str
    x: float  # centroid, fraction of width
    y: float  # centroid, fraction of height
    area: float  # fraction of the frame


def _hue_distance(a: float, b: float) -> float:
    d = abs(a - b) % 360.0
    return min(d, 360.0 - d)


def classify_colour(rgb: np.ndarray) -> str:
    """The vocabulary colour nearest to a mean RGB (0..255): white by low saturation, else by hue."""
    h, s, v = colorsys.rgb_to_hsv(*(float(c) / 255.0 for c in rgb))
    if s < 0.3 and v > 0.6:
        return "white"
    hue = h * 360.0
    return min(_CHROMATIC, key=lambda name: _hue_distance(hue, _CHROMATIC[name]))


_TRIANGLE_SKEW = -0.2  # an upright triangle's row profile: -0.57, about -0.35 after a 0.7 px blur


def classify_shape(coverage: np.ndarray) -> str:
    """ball, square or triangle from the soft coverage (0..1) of one region.

    An upright triangle is told by its row profile (coverage per row), which rises linearly from the
    apex to the base: its skewness is -0.57, where a ball's and a square's are 0. A symmetric blur keeps
    a profile's third central moment and only widens it, so the sign survives the softening that
    autoencoders and diffusion models give small objects. A square and a ball are then told apart by how
    much of their box they fill: the box's sides are the widest row and the tallest column of coverage
    (blur moves coverage within rows and columns, so those sums hold), a square fills 1, a ball pi/4.
    """
    rows = coverage.sum(axis=1)
    y = np.arange(len(rows), dtype=np.float64)
    mass = max(float(rows.sum()), 1e-6)
    mean = float((rows * y).sum()) / mass
    var = float((rows * (y - mean) ** 2).sum()) / mass
    skew = float((rows * (y - mean) ** 3).sum()) / mass / max(var, 1e-9) ** 1.5
    if skew < _TRIANGLE_SKEW:
        return "triangle"
    width = float(rows.max())
    height = float(coverage.sum(axis=0).max())
    return "square" if mass / max(width * height, 1e-6) > 0.89 else "ball"


def background_colour(frame: np.ndarray) -> np.ndarray:
    """The background's RGB: the median of the frame's two-pixel border."""
    img = frame.astype(np.float32)
    border = np.concatenate([img[:2].reshape(-1, 3), img[-2:].reshape(-1, 3),
                             img[:, :2].reshape(-1, 3), img[:, -2:].reshape(-1, 3)])
    return np.median(border, axis=0)


def classify_background(rgb: np.ndarray) -> str:
    """The vocabulary background whose base RGB is nearest to ``rgb`` (0..255)."""
    rgb = np.asarray(rgb, np.float32)
    return min(BACKGROUNDS, key=lambda name: float(np.linalg.norm(rgb - BACKGROUNDS[name])))


def detect_frame(frame: np.ndarray) -> FrameDetection | None:
    """The object in one H x W x 3 uint8 RGB frame, or None when no region stands out."""
    h, w = frame.shape[:2]
    img = frame.astype(np.float32)
    background = background_colour(img)
    diff = np.linalg.norm(img - background, axis=2)
    mask = (diff > _DIFF_THRESHOLD).astype(np.uint8)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    area = int(stats[best, cv2.CC_STAT_AREA])
    if area < _MIN_AREA_FRACTION * h * w:
        return None
    region = labels == best
    core = cv2.erode(region.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    pixels = img[core] if core.sum() >= 4 else img[region]
    colour = np.median(pixels, axis=0)
    near = cv2.dilate(region.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    contrast = max(float(np.linalg.norm(colour - background)), 1.0)
    coverage = np.where(near, np.clip(diff / contrast, 0.0, 1.0), 0.0)
    cx, cy = centroids[best]
    return FrameDetection(classify_colour(colour), classify_shape(coverage),
                          float(cx) / w, float(cy) / h, area / float(h * w))


def classify_motion(track: list[FrameDetection | None]) -> str:
    """One of the vocabulary's motions from the centroid and area track of a clip."""
    seen = [d for d in track if d is not None]
    if len(seen) < 3:
        return "unknown"
    xs = np.array([d.x for d in seen])
    ys = np.array([d.y for d in seen])
    areas = np.array([d.area for d in seen])
    k = max(len(seen) // 4, 1)
    growth = math.log(max(areas[-k:].mean(), 1e-6) / max(areas[:k].mean(), 1e-6))
    dx, dy = xs[-k:].mean() - xs[:k].mean(), ys[-k:].mean() - ys[:k].mean()
    if abs(growth) > 0.4 and max(abs(dx), abs(dy)) < 0.1:
        return "growing" if growth > 0 else "shrinking"
    if max(abs(dx), abs(dy)) > 0.1:
        if abs(dx) >= abs(dy):
            return "moving right" if dx > 0 else "moving left"
        return "moving down" if dy > 0 else "moving up"
    if ys.max() - ys.min() > 0.08:
        return "bouncing"
    return "standing still"


@dataclass(frozen=True)
class ClipDetection:
    colour: str
    shape: str
    motion: str
    frames: list[FrameDetection | None]
    background: str


def _majority(values: list[str]) -> str:
    return max(set(values), key=values.count) if values else "unknown"


def detect_clip(clip: np.ndarray) -> ClipDetection:
    """Colour and shape by majority over frames, motion from the track, background by the median border
    colour, of an F x H x W x 3 clip."""
    frames = [detect_frame(f) for f in clip]
    seen = [d for d in frames if d is not None]
    return ClipDetection(_majority([d.colour for d in seen]), _majority([d.shape for d in seen]),
                         classify_motion(frames), frames,
                         classify_background(np.median([background_colour(f) for f in clip], axis=0)))
