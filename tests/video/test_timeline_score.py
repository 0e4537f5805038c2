"""The long-video score on rendered shapes-world videos: what the renderer draws scores full marks, a
wrong prompt none; a jump at a seam, a wandering background are seen."""

import numpy as np
import pytest

from engine.video.world.render import Layout, render_clip
from engine.video.world.timeline_score import Segment, score_video
from engine.video.world.vocab import Scene

FPS, SIZE, SEGMENT = 16, 64, 40


def _rendered(scenes: list[Scene], layouts: list[Layout]) -> np.ndarray:
    return np.concatenate([render_clip(s, layout, SEGMENT, FPS, SIZE, SIZE) for s, layout in zip(scenes, layouts)])


def _segments(scenes: list[Scene]) -> list[Segment]:
    return [Segment(i * SEGMENT, (i + 1) * SEGMENT, s) for i, s in enumerate(scenes)]


COLOURS = [Scene(c, "ball", "bouncing", "gray") for c in ("red", "blue", "yellow")]
STILL = Layout(0.5, 0.7, 0.13, 0.3, 1)


def test_what_the_renderer_draws_scores_full_marks_and_a_wrong_prompt_none():
    video = _rendered(COLOURS, [STILL] * 3)
    score = score_video(video, _segments(COLOURS), seams=[8, 16, 24, 32], margin=8)
    assert [s["colour"] for s in score["segments"]] == [1.0, 1.0, 1.0]
    assert score["min_shape"] == 1.0 and score["min_motion"] == 1.0
    assert score["segments"][0]["frames"] == SEGMENT - 16
    assert score["background_stable_share"] == 1.0 and score["background_max_distance"] < 1.0
    wrong = [Scene(c, "square", "moving left", "gray") for c in ("green", "red", "blue")]
    score = score_video(video, _segments(wrong), seams=[], margin=8)
    assert score["min_colour"] == 0.0 and score["min_shape"] == 0.0 and score["min_motion"] == 0.0


def test_direction_changes_are_scored_per_window():
    right, left = Scene("white", "square", "moving right", "black"), Scene("white", "square", "moving left", "black")
    layouts = [Layout(0.25, 0.5, 0.12, 0.2, 2), Layout(0.25 + 0.2 * SEGMENT / FPS, 0.5, 0.12, 0.2, 2)]
    video = _rendered([right, left], layouts)
    score = score_video(video, _segments([right, left]), seams=[SEGMENT], margin=8)
    assert score["min_motion"] == 1.0 and score["segments"][1]["motion_windows"] == SEGMENT - 16 - 12
    assert score["seams"]["seams_within_2x"] == 1.0, "the path turns at the seam without a jump"


def test_a_jump_at_a_seam_and_a_changing_background_are_caught():
    right = Scene("red", "triangle", "moving right", "sand")
    video = render_clip(right, Layout(0.2, 0.5, 0.12, 0.3, 3), 48, FPS, SIZE, SIZE)
    video[24:] = np.roll(video[24:], 12, axis=2)                     # the object jumps 12 px at frame 24
    score = score_video(video, [Segment(0, 48, right)], seams=[12, 24, 36], margin=4)
    assert score["seams"]["seams_scored"] == 3 and score["seams"]["seams_within_2x"] == pytest.approx(2 / 3, abs=1e-3)
    assert score["seams"]["max_seam_ratio"] > 5
    night = render_clip(Scene("red", "triangle", "standing still", "night"), STILL, 12, FPS, SIZE, SIZE)
    changed = np.concatenate([video[:36], night])                   # the last quarter turns to night
    score = score_video(changed, [Segment(0, 48, right)], seams=[], margin=4)
    assert score["background_max_distance"] > 100 and score["background_stable_share"] == pytest.approx(0.75)
