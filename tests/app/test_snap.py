"""The snap model: edges, playhead, whole seconds, frame rounding, moves keeping length."""

import pytest

from app.project.model import PromptClip, Track
from app.project.snap import SnapModel, frame_of, frame_round


def _track() -> Track:
    track = Track()
    track.add_clip(PromptClip(start=0, end=2.3, text="a"))
    track.add_clip(PromptClip(start=5.1, end=7, text="b"))
    return track


def test_snaps_to_the_nearest_edge_within_threshold():
    model = SnapModel(threshold_px=8)
    targets = model.targets(_track(), playhead=4.0)
    hit = model.snap(2.36, px_per_second=100, fps=24, targets=targets)   # 6 px from 2.3
    assert hit.value == pytest.approx(2.3) and hit.kind == "edge"
    miss = model.snap(2.45, px_per_second=100, fps=24, targets=targets)  # 15 px: frame rounding only
    assert miss.target is None and miss.value == pytest.approx(frame_round(2.45, 24))


def test_playhead_and_seconds_and_priority():
    model = SnapModel(threshold_px=10)
    targets = model.targets(_track(), playhead=4.02)
    assert model.snap(4.05, 100, 24, targets).kind == "playhead"
    assert model.snap(3.04, 100, 24, targets).value == 3.0
    assert model.snap(3.04, 100, 24, targets).kind == "second"
    # an edge wins a tie against a whole second at the same distance
    track = Track()
    track.add_clip(PromptClip(start=6.0, end=6.5))
    tie = model.snap(6.0, 100, 24, model.targets(track, None))
    assert tie.kind == "edge"


def test_zoom_changes_the_reach():
    model = SnapModel(threshold_px=8)
    targets = model.targets(_track(), None)
    assert model.snap(2.5, px_per_second=20, fps=24, targets=targets).value == pytest.approx(2.3)
    assert model.snap(2.5, px_per_second=400, fps=24, targets=targets).target is None


def test_disabled_and_excluded():
    model = SnapModel(enabled=False)
    assert model.snap(2.31, 100, 10, [(2.3, "edge")]).value == pytest.approx(2.3)  # frame rounding
    assert model.snap(2.34, 100, 10, [(2.3, "edge")]).target is None
    track = _track()
    own = track.clips[0]
    assert all(t != own.end for t, _ in SnapModel().targets(track, None, exclude=[own.id]))


def test_move_snaps_by_the_nearer_edge_and_keeps_length():
    model = SnapModel(threshold_px=8, seconds=False)
    targets = [(5.1, "edge")]
    start, end, _hit = model.snap_move(3.05, 5.08, px_per_second=100, fps=100, targets=targets)
    assert end == pytest.approx(5.1) and end - start == pytest.approx(2.03)
    start, end, _ = model.snap_move(-0.5, 1.0, 100, 100, [])
    assert start == 0 and end == pytest.approx(1.5)


def test_frame_of():
    assert frame_of(1.0, 8) == 8 and frame_of(0.99, 8) == 7
    assert frame_of(0.124, 8) == 0 and frame_of(0.125, 8) == 1
