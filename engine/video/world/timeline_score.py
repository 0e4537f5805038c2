"""Scores a long multi-prompt video of the shapes world with the OpenCV detector (``detect``).

- Prompt adherence, per segment and away from its transitions: the share of frames whose detected colour
  and shape are the prompt's, and the share of frames whose motion (``window_motion`` over a window of
  ``2 * motion_half_window + 1`` frames centred on the frame, all inside the scored part) is the prompt's.
  ``window_motion`` fits lines to the centroid and log-area tracks, so it does not depend on where in a
  bounce the window starts (the clip classifier's first-quarter / last-quarter means do).
- Seams: the object's centroid step across each block seam (the last frame of a block to the first of
  the next) over the median step of the whole video; a jump is a seam step above 2x the median.
- Background: the detector's background colour of every frame (median of the border pixels); its largest
  distance (RGB, 0..255) from the video's median background, and the share of frames within
  ``background_tolerance`` of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.video.world.detect import FrameDetection, background_colour, detect_frame
from engine.video.world.vocab import Scene


@dataclass(frozen=True)
class Segment:
    """Frames ``start`` (inclusive) to ``end`` (exclusive) of the video are prompted with ``scene``."""

    start: int
    end: int
    scene: Scene


BOUNCE_RESIDUAL = 0.08    # vertical range left after removing the straight-line trend (fraction of height)
TRAVEL = 0.1              # net travel along the fitted line across the window (fraction of the frame)
GROWTH = 0.4              # change of log area along the fitted line across the window


def window_motion(track: list[FrameDetection | None]) -> str:
    """The vocabulary motion of a short window of detections (``unknown`` with fewer than 3 found)."""
    found = [(i, d) for i, d in enumerate(track) if d is not None]
    if len(found) < 3:
        return "unknown"
    t = np.array([i for i, _ in found], dtype=np.float64)
    span = t[-1] - t[0]
    fit = {name: np.polyfit(t, np.array(values, dtype=np.float64), 1) for name, values in (
        ("x", [d.x for _, d in found]), ("y", [d.y for _, d in found]),
        ("log_area", [np.log(max(d.area, 1e-6)) for _, d in found]))}
    ys = np.array([d.y for _, d in found])
    if np.ptp(ys - np.polyval(fit["y"], t)) > BOUNCE_RESIDUAL:
        return "bouncing"
    dx, dy, growth = (fit[k][0] * span for k in ("x", "y", "log_area"))
    if abs(growth) > GROWTH and max(abs(dx), abs(dy)) < TRAVEL:
        return "growing" if growth > 0 else "shrinking"
    if max(abs(dx), abs(dy)) > TRAVEL:
        if abs(dx) >= abs(dy):
            return "moving right" if dx > 0 else "moving left"
        return "moving down" if dy > 0 else "moving up"
    return "standing still"


def _share(hits: list[bool]) -> float | None:
    return round(float(np.mean(hits)), 4) if hits else None


def segment_adherence(detections: list[FrameDetection | None], segment: Segment, margin: int,
                      motion_half_window: int) -> dict:
    """Colour, shape and motion match of one segment's frames more than ``margin`` frames from its ends."""
    first, last = segment.start + margin, segment.end - margin            # scored frames: [first, last)
    frames = range(first, last)
    colour = [d is not None and d.colour == segment.scene.colour for d in (detections[f] for f in frames)]
    shape = [d is not None and d.shape == segment.scene.shape for d in (detections[f] for f in frames)]
    centres = range(first + motion_half_window, last - motion_half_window)
    motion = [window_motion(detections[c - motion_half_window:c + motion_half_window + 1]) == segment.scene.motion
              for c in centres]
    return {"frames": len(frames), "colour": _share(colour), "shape": _share(shape),
            "motion_windows": len(centres), "motion": _share(motion)}


def seam_steps(detections: list[FrameDetection | None], seams: list[int]) -> dict:
    """Centroid steps at the block seams against the median step of the video."""
    def step(f: int) -> float | None:
        a, b = detections[f - 1], detections[f]
        return None if a is None or b is None else float(np.hypot(b.x - a.x, b.y - a.y))

    steps = [s for s in (step(f) for f in range(1, len(detections))) if s is not None]
    median = float(np.median(steps)) if steps else 0.0
    at_seams = [step(f) for f in seams if 0 < f < len(detections)]
    known = [s for s in at_seams if s is not None]
    ratios = [s / max(median, 1e-6) for s in known]
    return {"seams": len(at_seams), "seams_scored": len(known), "median_step": round(median, 5),
            "max_seam_ratio": round(max(ratios), 3) if ratios else None,
            "seams_within_2x": _share([r <= 2.0 for r in ratios])}


def score_video(frames: np.ndarray, segments: list[Segment], seams: list[int], margin: int,
                motion_half_window: int = 6, background_tolerance: float = 20.0) -> dict:
    """Adherence per segment, seams and background stability of an F x H x W x 3 uint8 video."""
    detections = [detect_frame(f) for f in frames]
    backgrounds = np.stack([background_colour(f) for f in frames])
    distance = np.linalg.norm(backgrounds - np.median(backgrounds, axis=0), axis=1)
    per_segment = [segment_adherence(detections, s, margin, motion_half_window) for s in segments]
    return {
        "segments": per_segment,
        "min_colour": min((s["colour"] for s in per_segment if s["colour"] is not None), default=None),
        "min_shape": min((s["shape"] for s in per_segment if s["shape"] is not None), default=None),
        "min_motion": min((s["motion"] for s in per_segment if s["motion"] is not None), default=None),
        "seams": seam_steps(detections, seams),
        "background_max_distance": round(float(distance.max()), 2),
        "background_stable_share": _share(list(distance <= background_tolerance)),
        "detected_share": _share([d is not None for d in detections]),
    }
