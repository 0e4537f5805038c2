"""Plugins in the studio: a panel becomes a dock, an action runs from the Plugins menu, a broken
plugin is disabled with its traceback while the studio keeps running, the manager toggles plugins."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel

from app.main_window import MainWindow
from app.widgets.plugin_manager import PluginManagerDialog
from engine.plugins import PluginManager

MANIFEST = """
name = "{name}"
version = "0.1.0"
api_version = 1
runs_in = ["app"]
[[contributes.app_panels]]
id = "{name}.panel"
title = "{title}"
python = "{name}.ui:Panel"
area = "bottom"
[[contributes.app_actions]]
id = "{name}.count"
title = "Count clips ({name})"
python = "{name}.ui:count_clips"
"""

GOOD = """
from PySide6.QtWidgets import QLabel

class Panel(QLabel):
    def __init__(self, window):
        super().__init__(f"{len(window.project.prompt_track)} clips")
        self.setObjectName("panel-from-plugin")

def count_clips(window):
    window.setProperty("counted", len(window.project.prompt_track))
"""

BROKEN = """
class Panel:
    def __init__(self, window):
        raise RuntimeError("the panel exploded")

def count_clips(window):
    raise ValueError("the action exploded")
"""


def _plugin(folder: Path, name: str, code: str, title: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / "__init__.py").write_text("")
    (folder / name / "ui.py").write_text(textwrap.dedent(code))
    (folder / name / "noiseloom.toml").write_text(MANIFEST.format(name=name, title=title))


@pytest.fixture
def manager(tmp_path) -> PluginManager:
    folder = tmp_path / "plugins"
    _plugin(folder, "goodpanel", GOOD, "Clip counter")
    _plugin(folder, "badpanel", BROKEN, "Broken panel")
    manager = PluginManager(folders=[folder], state_file=tmp_path / "plugins.json")
    manager.discover()
    manager.set_enabled("goodpanel", True)
    manager.set_enabled("badpanel", True)
    return manager


@pytest.fixture
def window(qtbot, tmp_path, manager):
    win = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                     autosave_dir=tmp_path / "auto", cache_dir=tmp_path / "cache", plugins=manager)
    win.confirm_close = False
    qtbot.addWidget(win)
    yield win
    win.shutdown()


def test_a_plugin_panel_and_action_join_the_studio_and_a_broken_one_is_isolated(window, manager):
    dock = window.plugins.panels["goodpanel.panel"]
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert isinstance(dock.widget(), QLabel) and dock.widget().text() == "0 clips"
    assert "badpanel.panel" not in window.plugins.panels
    assert not manager.plugins["badpanel"].enabled
    assert "the panel exploded" in manager.plugins["badpanel"].error
    assert window.plugins.run_action(manager.contributions("app_actions")[0])
    assert window.property("counted") == 0
    assert "Plugins" in [a.text().replace("&", "") for a in window.menuBar().actions()]


def test_builtin_exporters_export_the_timeline_from_the_file_menu(qtbot, tmp_path):
    import opentimelineio as otio

    builtin = PluginManager(folders=[Path(__file__).resolve().parents[2] / "plugins"],
                            state_file=tmp_path / "plugins.json")
    win = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                     autosave_dir=tmp_path / "auto", cache_dir=tmp_path / "cache", plugins=builtin)
    win.confirm_close = False
    qtbot.addWidget(win)
    try:
        assert [a.text() for a in win.plugins.export_menu.actions()] == ["OpenTimelineIO (.otio)..."]
        win.timeline.add_clip(1.0, "a cyan triangle moving up on sand")
        [exporter] = builtin.contributions("exporters")
        out = win.plugins.export_timeline(exporter, tmp_path / "studio.otio")
        timeline = otio.adapters.read_from_file(str(out))
        [clip] = [c for c in timeline.tracks[0] if isinstance(c, otio.schema.Clip)]
        assert clip.name == "a cyan triangle moving up on sand"
    finally:
        win.shutdown()


def test_the_plugin_manager_lists_and_toggles_plugins(qtbot, manager):
    manager.disable_with_error("badpanel", "Traceback: boom")
    dialog = PluginManagerDialog(manager)
    qtbot.addWidget(dialog)
    rows = {dialog.table.item(r, 0).text(): r for r in range(dialog.table.rowCount())}
    assert dialog.table.item(rows["badpanel"], 4).text() == "failed: disabled"
    dialog.table.setCurrentCell(rows["badpanel"], 0)
    assert "Traceback: boom" in dialog.details.toPlainText()
    dialog.table.item(rows["goodpanel"], 0).setCheckState(Qt.CheckState.Unchecked)
    again = PluginManager(folders=manager.folders, state_file=manager.state_file)
    assert not {p.name: p for p in again.discover()}["goodpanel"].enabled
