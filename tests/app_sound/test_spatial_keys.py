"""The spatial scene's keyframes on the main timeline, driven with real mouse events: markers on the
Spatial lane at their timeline seconds; a click moves the playhead there and selects the source in the
Spatial panel; a drag moves the keyframe in time as one undo step, snapping to the other keyframes, kept
between its neighbours, and free (frame-rounded) with Shift."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.project.audio import SpatialSource
from app.project.audio_commands import AddSource
from app.project.commands import push
from app.widgets.timeline_rows import LANE_H, lane_top
from engine.audio.spatial.spec import Keyframe
from tests.app_sound.test_audio_lanes import LEFT, NONE, _drag, window  # noqa: F401  (the window fixture)


def _source(window, name: str, times: list[float]) -> SpatialSource:
    source = SpatialSource(name=name, masker="pink_noise",
                           trajectory=[Keyframe(t=t, azimuth=90.0 - 45.0 * i, distance=2.0) for i, t in enumerate(times)])
    push(window.stack, AddSource(window.project.audio.spatial, source))
    return source


def _marker(window, source_index: int, seconds: float) -> QPoint:
    view = window.timeline
    return view.mapFromScene(view.spatial_keys.marker_at(source_index, seconds))


def test_markers_sit_on_the_spatial_lane_and_a_click_selects_the_source(window):
    car = _source(window, "car", [0.5, 2.0, 4.0])
    bird = _source(window, "bird", [1.0, 3.0])
    view, spatial = window.timeline, window.sound.spatial
    row = [t.name for t in window.project.audio.tracks].index("Spatial")
    point = view.spatial_keys.marker_at(1, 3.0)
    assert point.x() == pytest.approx(3.0 * view.pps)
    assert lane_top(row) < point.y() < lane_top(row) + LANE_H
    assert view.spatial_keys.hit(point.x(), point.y()) == (bird, 1)

    spatial.select_source(car.id)
    QTest.mouseClick(view.viewport(), LEFT, NONE, _marker(window, 1, 3.0))
    assert view.playhead == pytest.approx(3.0)
    assert window.sound.tabs.currentWidget() is spatial and spatial.selected() is bird
    assert spatial.playhead == pytest.approx(3.0), "the spatial view shows the sources at that moment"
    assert view.spatial_keys.selected == (bird.id, 1)
    QTest.mouseClick(view.viewport(), LEFT, NONE, _marker(window, 0, 2.0))
    assert spatial.selected() is car and view.playhead == pytest.approx(2.0)


def test_dragging_a_keyframe_is_one_undo_step_with_snapping_and_its_neighbours_as_limits(window):
    car = _source(window, "car", [0.5, 2.0, 4.0])
    _source(window, "bird", [1.0, 3.0])
    view = window.timeline
    steps = window.stack.count()
    _drag(window, [_marker(window, 0, 2.0), _marker(window, 0, 2.4), _marker(window, 0, 2.8),
                   _marker(window, 0, 3.07)])
    assert [k.t for k in car.trajectory] == [0.5, 3.0, 4.0], "snapped to the bird's keyframe at 3 s"
    assert car.trajectory[1].azimuth == pytest.approx(45.0), "only the time changed"
    assert window.stack.count() == steps + 1 and window.stack.undoText() == "Move keyframe of car"
    window.stack.undo()
    assert [k.t for k in car.trajectory] == [0.5, 2.0, 4.0]

    _drag(window, [_marker(window, 0, 2.0), _marker(window, 0, 3.5), _marker(window, 0, 5.5)])
    assert car.trajectory[1].t == pytest.approx(4.0 - 1.0 / view.fps), "not past the next keyframe"
    window.stack.undo()

    view.set_playhead(0.0)
    _drag(window, [_marker(window, 0, 2.0), _marker(window, 0, 2.6), _marker(window, 0, 3.07)],
          Qt.KeyboardModifier.ShiftModifier)
    fps = view.fps
    assert car.trajectory[1].t == pytest.approx(round(3.07 * fps) / fps, abs=1.5 / view.pps)
    assert car.trajectory[1].t != pytest.approx(3.0), "Shift drags freely"
