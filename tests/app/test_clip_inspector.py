"""The clip inspector's seed lock and transition curve, driven with real mouse and key events: each change
one undo step, saved in the project and sent in the request; the curves offered are the ones a real
engine on loopback knows (the core's and an enabled plugin's), and one it does not know is marked in
the inspector and refused by the engine naming the field."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.project.jobspec import project_to_request
from engine.plugins import PluginManager
from tests.plugin_folders import enable, use_plugin_folder, write_plugin

from .test_timeline import _point, window  # noqa: F401  (the window fixture)

pytestmark = pytest.mark.timeout(240)


def _select(window, seconds):
    QTest.mouseClick(window.timeline.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     _point(window, seconds))


def _choose(qtbot, combo, label: str) -> None:
    """Open the combo box's list with the mouse and click the item called ``label``."""
    QTest.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=5_000)
    qtbot.wait(QApplication.doubleClickInterval() + 50)   # the popup ignores a release right after it opened
    row = combo.findText(label)
    assert row >= 0, [combo.itemText(i) for i in range(combo.count())]
    rect = view.visualRect(view.model().index(row, 0))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=5_000)


def test_seed_lock_keeps_the_seed_in_force_editable_and_undoable(qtbot, window):
    window.project.settings.seed = 5
    window.timeline.add_clip(0.0, "a red circle")
    window.timeline.add_clip(4.0, "a blue square")
    _select(window, 5.0)
    panel = window.inspector.clip_panel
    clip = window.project.prompt_track.clips[1]
    assert panel.clip is clip and not panel.seed.isEnabled()

    QTest.mouseClick(panel.seed_lock, Qt.MouseButton.LeftButton, pos=QPoint(6, panel.seed_lock.height() // 2))
    assert clip.seed == 5 and panel.seed.isEnabled() and panel.seed.value() == 5
    window.project.settings.seed = 9                  # the project's seed moves on; the lock stays
    assert clip.seed == 5
    panel.seed.selectAll()
    QTest.keyClicks(panel.seed, "1234")
    QTest.keyClick(panel.seed, Qt.Key.Key_Return)
    assert clip.seed == 1234
    prompts = project_to_request(window.project)["params"]["prompts"]
    assert "seed" not in prompts[0] and prompts[1]["seed"] == 1234

    window.stack.undo()
    assert clip.seed == 5 and panel.seed.value() == 5
    window.stack.undo()
    assert clip.seed is None and not panel.seed_lock.isChecked() and not panel.seed.isEnabled()
    window.stack.redo()
    assert clip.seed == 5 and panel.seed_lock.isChecked()


LATE = """
def make_late(progress):
    return progress ** 4
"""


def test_curves_come_from_the_engine_and_an_unknown_one_is_shown_and_refused(qtbot, window, tmp_path, monkeypatch):
    folder = use_plugin_folder(monkeypatch, tmp_path)
    write_plugin(folder, "late_blend", "prompt_transitions", {"late": "make_late"}, LATE)
    enable("late_blend")
    window.timeline.add_clip(0.0, "a red circle")
    window.timeline.add_clip(4.0, "a blue square")
    _select(window, 5.0)
    panel = window.inspector.clip_panel
    clip = window.project.prompt_track.clips[1]
    assert panel.curves is None and panel.curve.currentText() == "Default (linear)"

    window.client.start_local(tmp_path / "engine", devices="cpu:1")     # the studio asks it once connected
    qtbot.waitUntil(lambda: panel.curves is not None, timeout=120_000)
    offered = [panel.curve.itemText(i) for i in range(panel.curve.count())]
    assert offered == ["Default (linear)", "linear", "smoothstep", "cosine", "cut", "late"]

    steps = window.stack.count()
    _choose(qtbot, panel.curve, "late")
    assert clip.curve == "late" and window.stack.count() == steps + 1
    _choose(qtbot, panel.curve, "cosine")
    assert clip.curve == "cosine" and window.stack.count() == steps + 2, "each choice is its own undo step"
    window.stack.undo()
    assert clip.curve == "late" and panel.curve.currentText() == "late"
    assert project_to_request(window.project)["params"]["prompts"][1]["curve"] == "late"
    assert window.save_to(tmp_path / "curves.nloom") and window.open_project(tmp_path / "curves.nloom")
    clip = window.project.prompt_track.clips[1]
    assert clip.curve == "late"

    # the plugin is disabled: the engine no longer knows the curve the clip asks for
    manager = PluginManager()
    manager.discover()
    manager.set_enabled("late_blend", False)
    window.client.fetch_registry("prompt_transitions")
    qtbot.waitUntil(lambda: "late" not in [e["name"] for e in panel.curves], timeout=10_000)
    _select(window, 5.0)
    assert panel.curve.currentText() == "late (unknown to the engine)"
    assert panel.curve_problem.isVisible() and "enable the plugin" in panel.curve_problem.text()
    answer = {}
    window.client.submit(project_to_request(window.project), lambda ok, status, body: answer.update(
        ok=ok, status=status, body=body))
    qtbot.waitUntil(lambda: bool(answer), timeout=10_000)
    assert answer["status"] == 422 and not answer["ok"]
    assert "prompts.1.curve" in answer["body"] and "no prompt transition 'late'" in answer["body"]

