"""How a prompt clip shows its blends: the other prompt's share of the conditioning, shaded from the clip's
top edge down, along the transition's own curve.

A transition window is the incoming clip's ``transition_seconds`` centred on the boundary, as the engine
blends (``engine.video.prompts``: a clip after 0 s blends in from whatever precedes it). The incoming
clip shades the outgoing prompt's share ``1 - w(p)`` over its first half-window (p from 0.5 to 1); the
outgoing clip, when the incoming one starts where it ends, shades ``w(p)`` over its last half-window
(p from 0 to 0.5): at the boundary both shade half their height, so the two halves meet. The shape is
the core curve's (``engine.video.transitions.core_shape``, pure Python); a plugin's curve, whose code
runs only in the engine, is drawn as the linear blend. A cut shades nothing (the timeline marks it).
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainterPath

from app.project.model import PromptClip
from engine.video.transitions import DEFAULT, core_shape

SAMPLES = 17          # points of the curve across the whole window (odd: one falls on the boundary)
ADJACENT_S = 1e-6


@functools.lru_cache(maxsize=64)
def curve_shape(name: str) -> tuple[float, ...]:
    """The incoming weight at ``SAMPLES`` even points of the window; the linear blend for a plugin's curve."""
    shape = core_shape(name, SAMPLES)
    return tuple(shape if shape is not None else core_shape(DEFAULT, SAMPLES))


def blends(clip: PromptClip) -> bool:
    """Whether ``clip`` blends in from its predecessor (not a cut, a window longer than zero)."""
    return clip.transition == "blend" and not clip.hard_cut and clip.curve != "cut" and clip.transition_seconds > 0


def _blends_in(clip: PromptClip) -> bool:
    return clip.start > ADJACENT_S and blends(clip)


def shares(clip: PromptClip, next_clip: PromptClip | None) -> list[tuple[float, float]]:
    """(seconds into ``clip``, the other prompt's share) points: its incoming half-window first, then the
    outgoing half-window of ``next_clip`` when that one starts at ``clip``'s end and blends."""
    points: list[tuple[float, float]] = []
    half = SAMPLES // 2
    if _blends_in(clip):
        shape, window = curve_shape(clip.curve or DEFAULT), clip.transition_seconds
        points += [((i - half) / (SAMPLES - 1) * window, 1.0 - shape[i]) for i in range(half, SAMPLES)]
    if next_clip is not None and abs(next_clip.start - clip.end) < ADJACENT_S and blends(next_clip):
        shape, window = curve_shape(next_clip.curve or DEFAULT), next_clip.transition_seconds
        points += [(clip.duration + (i - half) / (SAMPLES - 1) * window, shape[i]) for i in range(half + 1)]
    return points


def shading_paths(rect: QRectF, pps: float, clip: PromptClip, next_clip: PromptClip | None) -> list[QPainterPath]:
    """The shaded regions in the clip item's coordinates (``rect`` is the clip's body, ``pps`` pixels per
    second), clipped to the clip; one path per half-window."""
    points = shares(clip, next_clip)
    halves = [points[:SAMPLES // 2 + 1], points[SAMPLES // 2 + 1:]] if _blends_in(clip) else [[], points]
    paths = []
    for half in (h for h in halves if h):
        xs = [min(rect.right(), max(rect.left(), rect.left() + t * pps)) for t, _ in half]
        path = QPainterPath(QPointF(xs[0], rect.top()))
        for x, (_t, share) in zip(xs, half):
            path.lineTo(x, rect.top() + share * rect.height())
        path.lineTo(xs[-1], rect.top())
        path.closeSubpath()
        paths.append(path)
    return paths
