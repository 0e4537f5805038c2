"""The timeline driven like a user: shortcuts and mouse on the real main window (no engine needed)."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.widgets.timeline import FILM_Y, TRACK_H, TRACK_Y


@pytest.fixture
def window(shown_window):
    return shown_window


def _key(window, key, modifier=Qt.KeyboardModifier.NoModifier):
    window.timeline.setFocus()
    QTest.keyClick(window.timeline, key, modifier)


def _spans(window):
    return [(round(c.start, 3), round(c.end, 3)) for c in window.project.prompt_track]


def _point(window, seconds, y=TRACK_Y + TRACK_H / 2):
    view = window.timeline
    return view.mapFromScene(seconds * view.pps, y)


def test_shortcuts_create_split_delete_undo(window):
    _key(window, Qt.Key.Key_N)
    assert _spans(window) == [(0, 4)]
    window.timeline.set_playhead(1.5)
    _key(window, Qt.Key.Key_S)
    assert _spans(window) == [(0, 1.5), (1.5, 4)]
    window.timeline.set_selection([window.project.prompt_track.clips[0].id])
    _key(window, Qt.Key.Key_Delete)
    assert _spans(window) == [(1.5, 4)]
    _key(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _key(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _spans(window) == [(0, 4)]
    _key(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
    assert _spans(window) == [(0, 1.5), (1.5, 4)]
    assert window.windowTitle().startswith("Untitled •")


def test_copy_paste_at_playhead_and_refusal(window):
    window.timeline.add_clip(0.0, "a red square")
    _key(window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    window.timeline.set_playhead(2.0)
    _key(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)       # overlaps: refused whole
    assert _spans(window) == [(0, 4)]
    assert "overlaps" in window.statusBar().currentMessage()
    window.timeline.set_playhead(6.0)
    _key(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert _spans(window) == [(0, 4), (6, 10)]
    assert [c.text for c in window.project.prompt_track] == ["a red square", "a red square"]


def test_mouse_drag_moves_with_snapping_in_one_undo_step(qtbot, window):
    window.timeline.add_clip(0.0, "first")
    window.timeline.add_clip(6.0, "second")
    second = window.project.prompt_track.clips[1]
    steps = window.stack.count()
    viewport = window.timeline.viewport()
    start = _point(window, 7.0)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for seconds in (6.8, 6.4, 6.0, 5.6, 5.08):     # ends 1.08 s left: the clip's start lands near 4.08
        QTest.mouseMove(viewport, _point(window, seconds))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _point(window, 5.08))
    assert (second.start, second.end) == (4.0, 8.0)     # snapped to the first clip's end
    assert window.stack.count() == steps + 1
    window.stack.undo()
    assert (second.start, second.end) == (6.0, 10.0)


def test_mouse_trim_end_and_double_click_create(qtbot, window):
    window.timeline.add_clip(0.0, "first")
    clip = window.project.prompt_track.clips[0]
    viewport = window.timeline.viewport()
    edge = _point(window, 4.0)
    edge.setX(edge.x() - 2)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, edge)
    QTest.mouseMove(viewport, _point(window, 5.0))
    QTest.mouseMove(viewport, _point(window, 6.02))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _point(window, 6.02))
    assert (clip.start, clip.end) == (0.0, 6.0)
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _point(window, 8.0))
    assert _spans(window) == [(0, 6), (8, 12)]


def test_ruler_scrub_moves_playhead_and_player(window):
    viewport = window.timeline.viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     _point(window, 3.0, y=10))
    assert window.timeline.playhead == pytest.approx(3.0)
    assert window.player.timecode.text() == "0:03:00"
    assert window.player.frame_label.text() == f"frame {3 * window.project.settings.fps}"
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     _point(window, 5.0, y=FILM_Y + 10))
    assert window.timeline.playhead == pytest.approx(5.0)


def test_zoom_keeps_clip_geometry(window):
    window.timeline.add_clip(2.0, "x")
    item = next(iter(window.timeline.items.values()))
    before = item.boundingRect().width()
    _key(window, Qt.Key.Key_Plus)
    assert item.boundingRect().width() == pytest.approx(before * 1.5)
    assert item.pos().x() == pytest.approx(2.0 * window.timeline.pps)


def test_inspector_edits_are_undoable_and_keep_history(qtbot, window):
    clip = window.timeline.add_clip(0.0, "a quiet lake")
    panel = window.inspector.clip_panel
    assert panel.text.toPlainText() == "a quiet lake"
    panel.text.setFocus()
    panel.text.selectAll()
    QTest.keyClicks(panel.text, "a stormy sea")
    assert clip.text == "a stormy sea"
    assert clip.history == ["a quiet lake"]
    panel.hard_cut.setChecked(True)
    assert clip.hard_cut
    window.stack.undo()
    window.stack.undo()
    assert clip.text == "a quiet lake" and not clip.hard_cut
    assert panel.text.toPlainText() == "a quiet lake" and not panel.hard_cut.isChecked()


def test_project_settings_refuse_bad_values_with_the_field(window):
    panel = window.inspector.project_panel
    panel.width_box.setValue(100)
    assert window.project.settings.width == 128
    assert "width" in window.statusBar().currentMessage()
    assert panel.width_box.value() == 128
    panel.fields["steps"][0].setValue(30)
    assert window.project.settings.steps == 30


def test_player_plays_at_fps_and_stops_at_end(qtbot, window):
    window.project.settings.duration = 1.0
    window.project.settings.fps = 10
    seen = []
    window.timeline.playhead_moved.connect(seen.append)
    window.player.play()
    qtbot.waitUntil(lambda: not window.player.playing, timeout=3000)
    assert 7 <= len(seen) <= 11
    assert seen == sorted(seen)
    assert window.timeline.playhead == pytest.approx(0.9)


def test_generate_without_prompts_says_what_to_do(window):
    assert window.generate() is False
    assert "add a prompt clip" in window.statusBar().currentMessage()




def test_ruler_ticks_are_whole_frames_at_every_zoom(window):
    view = window.timeline
    fps = window.project.settings.fps
    for pps in (5, 20, 60, 200, 900, 2000):
        view.set_zoom(pps)
        major, minor = view.tick_frames()
        assert major % minor == 0 and minor >= 1
        assert major * pps / fps >= 70 or major >= fps * 3600
    view.set_zoom(2000)
    assert view.tick_frames()[1] == 1       # at the closest zoom every frame has a tick


def test_every_frequent_action_has_a_shortcut(window):
    table = dict(window.shortcut_table())
    for name in ("Undo", "Redo", "Copy", "Paste at playhead", "Delete clip", "Add prompt clip",
                 "Split at playhead", "Play / pause", "Generate", "Regenerate from playhead", "Cancel generation",
                 "Export…", "Save", "Zoom in", "Zoom out", "Keyboard shortcuts", "Add keyframe at playhead",
                 "Delete keyframe", "Previous keyframe", "Next keyframe", "Snap"):
        assert table.get(name), f"{name} has no shortcut"
    assert len(set(table.values())) == len(table)         # no two actions share keys


def test_context_menu_splits_and_adds_where_clicked(qtbot, window):
    from PySide6.QtGui import QContextMenuEvent

    window.timeline.add_clip(0.0, "first")
    viewport = window.timeline.viewport()

    def menu_at(seconds):
        pos = _point(window, seconds)
        QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                           viewport.mapToGlobal(pos)))
        menu = window.timeline.context_menu
        return menu, {a.text(): a for a in menu.actions()}

    menu, actions = menu_at(2.5)
    actions["Split here"].trigger()
    menu.close()
    assert _spans(window) == [(0, 2.5), (2.5, 4)]
    menu, actions = menu_at(6.0)
    assert "Split here" not in actions
    actions["Add prompt clip here"].trigger()
    menu.close()
    assert _spans(window) == [(0, 2.5), (2.5, 4), (6, 10)]
