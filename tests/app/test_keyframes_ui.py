"""Keyframes edited like a user: K at the playhead, the diamond dragged with the mouse (snapping, one
undo step), the value typed in the inspector, [ and ] to jump, Delete, save/load, and the request."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.project.jobspec import project_to_request
from app.widgets.timeline import KEY_LANE_PX, TRACK_H, TRACK_Y

from .test_timeline import _key, window  # noqa: F401  (the window fixture)


def _diamond(window, seconds):
    """Where a keyframe at ``seconds`` is drawn (the lane along the clip's bottom)."""
    view = window.timeline
    y = TRACK_Y + 4 + (TRACK_H - 8) - KEY_LANE_PX
    return view.mapFromScene(seconds * view.pps + 0.5, y)


def _keys(clip):
    return [(round(k.time, 4), k.param, round(k.value, 4)) for k in clip.keyframes]


def test_add_drag_edit_jump_delete_keyframes(qtbot, window):
    view = window.timeline
    clip = view.add_clip(0.0, "a red circle")          # 0 .. 4 s
    view.set_playhead(1.0)
    _key(window, Qt.Key.Key_K)
    assert _keys(clip) == [(1.0, "guidance", window.project.settings.guidance)]
    guidance_key = clip.keyframes[0]
    assert view.selected_keyframe == (clip.id, guidance_key.id)
    editor = window.inspector.clip_panel.keyframes
    assert editor.list.count() == 1 and editor.value.value() == window.project.settings.guidance

    # type a value in the inspector: one undo step per typing session
    steps = window.stack.count()
    editor.value.setValue(7.5)
    editor.value.setValue(8.0)
    assert _keys(clip) == [(1.0, "guidance", 8.0)] and window.stack.count() == steps + 1

    # a weight keyframe at 3 s: the inspector picks the parameter, the value starts as the curve's (1)
    editor.param.setCurrentIndex(editor.param.findData("weight"))
    assert view.keyframe_param == "weight"
    view.set_playhead(3.0)
    _key(window, Qt.Key.Key_K)
    assert (3.0, "weight", 1.0) in _keys(clip)

    # drag the guidance diamond from 1 s to near 2 s: it snaps to the whole second, one undo step
    editor.param.setCurrentIndex(editor.param.findData("guidance"))
    steps = window.stack.count()
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _diamond(window, 1.0))
    assert view.selected_keyframe == (clip.id, guidance_key.id)
    for seconds in (1.3, 1.6, 1.95):
        QTest.mouseMove(viewport, _diamond(window, seconds))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _diamond(window, 1.95))
    assert clip.keyframe(guidance_key.id).time == 2.0
    assert window.stack.count() == steps + 1 and window.stack.undoText() == "Move keyframe"
    assert editor.time.value() == 2.0
    window.stack.undo()
    assert clip.keyframe(guidance_key.id).time == 1.0
    window.stack.redo()

    # [ and ] walk the keyframes of the edited parameter (guidance: one at 2 s)
    view.set_playhead(0.0)
    _key(window, Qt.Key.Key_BracketRight)
    assert view.playhead == 2.0 and view.selected_keyframe == (clip.id, guidance_key.id)
    assert not view.jump_to_keyframe(1)
    editor.param.setCurrentIndex(editor.param.findData("weight"))
    _key(window, Qt.Key.Key_BracketRight)
    assert view.playhead == 3.0
    _key(window, Qt.Key.Key_BracketLeft)
    assert view.playhead == 3.0 and "No previous weight keyframe" in window.statusBar().currentMessage()

    # Delete removes the selected keyframe, not the clip; undo brings it back
    _key(window, Qt.Key.Key_Delete)
    assert _keys(clip) == [(2.0, "guidance", 8.0)] and len(window.project.prompt_track) == 1
    window.stack.undo()
    assert len(clip.keyframes) == 2


def test_keyframes_are_saved_loaded_and_sent_to_the_engine(qtbot, window, tmp_path):
    view = window.timeline
    clip = view.add_clip(0.0, "a red circle")
    view.add_clip(4.0, "a blue square")
    view.set_playhead(2.0)
    _key(window, Qt.Key.Key_K)
    assert window.save_to(tmp_path / "keyed.nloom")
    assert window.open_project(tmp_path / "keyed.nloom")
    again = window.project.prompt_track.clips[0]
    assert again is not clip and _keys(again) == [(2.0, "guidance", window.project.settings.guidance)]
    prompts = project_to_request(window.project)["params"]["prompts"]
    assert prompts[0]["keyframes"] == [{"time": 2.0, "param": "guidance",
                                        "value": window.project.settings.guidance}]
    assert prompts[1]["keyframes"] == []


def test_keyframes_need_a_clip_and_a_drag_stays_inside_it(qtbot, window):
    view = window.timeline
    view.set_playhead(1.0)
    assert view.add_keyframe_at_playhead() is None
    assert "put the playhead over one" in window.statusBar().currentMessage()
    clip = view.add_clip(0.0, "x")
    key = view.add_keyframe_at_playhead()
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, _diamond(window, 1.0))
    QTest.mouseMove(viewport, _diamond(window, 6.0))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, _diamond(window, 6.0))
    assert clip.keyframe(key.id).time == pytest.approx(clip.duration)
