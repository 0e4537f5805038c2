"""The timeline's rows, top to bottom (ruler, filmstrip, prompt track, audio lanes) in scene y, and what a
press at a clip's edge or body means: the geometry the timeline view and its clip items share.
"""

from __future__ import annotations

RULER_H = 30.0
FILM_Y, FILM_H = 34.0, 58.0
TRACK_Y, TRACK_H = 100.0, 62.0
LANES_Y, LANE_H = TRACK_Y + TRACK_H + 8.0, 46.0
EDGE_PX = 7.0


def lane_top(row: int) -> float:
    """Scene y of the top of audio lane ``row`` (0 = the first audio track)."""
    return LANES_Y + row * LANE_H


def lane_at(y: float, lanes: int) -> int | None:
    """The audio lane at scene ``y``, None above the lanes or below the last one."""
    row = int((y - LANES_Y) // LANE_H)
    return row if y >= LANES_Y and row < lanes else None


def scene_height(lanes: int) -> float:
    return lane_top(lanes) + 12.0


def edge_mode(x: float, left: float, right: float) -> str:
    """``trim_start`` / ``trim_end`` near an edge of a clip spanning [left, right] px, ``move`` inside, else ""."""
    if left - EDGE_PX / 2 <= x <= right + EDGE_PX / 2:
        if x - left <= EDGE_PX and right - left > 3 * EDGE_PX:
            return "trim_start"
        if right - x <= EDGE_PX and right - left > 3 * EDGE_PX:
            return "trim_end"
        if left <= x <= right:
            return "move"
    return ""
