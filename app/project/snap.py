"""The snap model: where a dragged clip edge or playhead lands.

Targets are other clips' edges (of the prompt track and the audio tracks alike), the playhead and whole
seconds; a value within ``threshold_px`` pixels (at the current zoom) of the nearest target jumps to it. Values that snap to nothing are rounded to the
nearest frame so clips always start and end on frame boundaries. Plain Python, tested on its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


class Spanned(Protocol):
    """What snapping needs of a clip (prompt and audio clips both are)."""

    id: str
    start: float

    @property
    def end(self) -> float: ...


@dataclass(frozen=True)
class SnapResult:
    value: float
    target: float | None       # the target it snapped to, None if only rounded to a frame
    kind: str | None = None    # "edge", "playhead" or "second"


@dataclass
class SnapModel:
    threshold_px: float = 8.0
    edges: bool = True
    playhead: bool = True
    seconds: bool = True
    enabled: bool = True

    def targets(self, clips: Iterable[Spanned] | None, playhead: float | None,
                exclude: Iterable[str] = ()) -> list[tuple[float, str]]:
        """Edge targets of ``clips`` (a track, or the clips of several) and the playhead (whole seconds
        are found arithmetically in ``snap``)."""
        found: list[tuple[float, str]] = []
        skip = set(exclude)
        if self.edges and clips is not None:
            for clip in clips:
                if clip.id not in skip:
                    found += [(clip.start, "edge"), (clip.end, "edge")]
        if self.playhead and playhead is not None:
            found.append((playhead, "playhead"))
        return found

    def snap(self, value: float, px_per_second: float, fps: float,
             targets: list[tuple[float, str]]) -> SnapResult:
        """Snap one time value; priority on ties: edge, playhead, second."""
        if self.enabled:
            limit = self.threshold_px / px_per_second
            best: tuple[float, int, float, str] | None = None
            candidates = list(targets)
            if self.seconds:
                candidates.append((float(round(value)), "second"))
            rank = {"edge": 0, "playhead": 1, "second": 2}
            for target, kind in candidates:
                distance = abs(target - value)
                if distance <= limit:
                    key = (distance, rank[kind], target, kind)
                    if best is None or key[:2] < best[:2]:
                        best = key
            if best is not None:
                return SnapResult(max(0.0, best[2]), best[2], best[3])
        return SnapResult(max(0.0, frame_round(value, fps)), None)

    def snap_move(self, start: float, end: float, px_per_second: float, fps: float,
                  targets: list[tuple[float, str]]) -> tuple[float, float, SnapResult]:
        """Snap a moved span by whichever edge is nearer a target; the length is kept."""
        length = end - start
        a = self.snap(start, px_per_second, fps, targets)
        b = self.snap(end, px_per_second, fps, targets)
        if b.target is not None and (a.target is None or abs(b.value - end) < abs(a.value - start)):
            new_start = b.value - length
            if new_start >= 0:
                return new_start, b.value, b
        new_start = max(0.0, a.value)
        return new_start, new_start + length, a


def frame_round(seconds: float, fps: float) -> float:
    """``seconds`` rounded to the nearest frame boundary."""
    return round(seconds * fps) / fps


def frame_of(seconds: float, fps: float) -> int:
    """The frame shown at ``seconds``."""
    return math.floor(seconds * fps + 1e-9)
