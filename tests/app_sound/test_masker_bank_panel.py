"""The masker bank panel against a real engine: it lists the bank as the engine sees it (a plugin's
maskers with the plugin named, the procedural ones gone when that plugin is disabled, a user folder,
broken entries reported), Listen fetches a plugin's rendered masker from the engine, and the spatial
panel offers the same maskers. Driven with real clicks; the listing never blocks the UI thread."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from app.engine_bank import MaskerBank
from app.loop_monitor import LoopMonitor, run_until
from app.project.audio import AudioDocument
from app.widgets.playback import AudioPlayer, output_problem
from app.widgets.soundscape_panel import SoundscapePanel
from app.widgets.spatial_panel import SpatialPanel
from plugins.procedural_maskers.bank import seeded_recipes
from tests.plugin_folders import HUM, enable, write_plugin

pytestmark = pytest.mark.timeout(300)

PROCEDURAL = {recipe.name for recipe, _ in seeded_recipes()}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """A real engine whose plugin path holds the ``hum_maskers`` plugin (disabled until a test enables it)."""
    from app.engine_process import LocalEngine

    root = tmp_path_factory.mktemp("bank")
    (root / "plugins").mkdir()
    write_plugin(root / "plugins", "hum_maskers", "masker_sources", {"hum": "offers"}, HUM)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NOISELOOM_PLUGIN_PATH", str(root / "plugins"))
        patch.setenv("NOISELOOM_CONFIG_DIR", str(root / "config"))
        patch.setenv("NOISELOOM_CACHE_DIR", str(root / "cache"))
        with LocalEngine(root / "engine", devices="cpu:1") as running:
            yield running


@pytest.fixture
def plugins(engine, monkeypatch):
    """The plugin manager of the engine's config (enable/disable as ``noiseloom plugins`` does)."""
    monkeypatch.setenv("NOISELOOM_PLUGIN_PATH", str(engine.data_dir.parent / "plugins"))
    monkeypatch.setenv("NOISELOOM_CONFIG_DIR", str(engine.data_dir.parent / "config"))
    manager = enable()
    yield manager
    for name, on in (("hum_maskers", False), ("procedural-maskers", True)):
        manager.set_enabled(name, on)


@pytest.fixture
def panel(qtbot, client, tmp_path):
    stack = QUndoStack()
    panel = SoundscapePanel(stack, AudioPlayer(), tmp_path)
    stack.setParent(panel)
    qtbot.addWidget(panel)
    panel.set_document(AudioDocument())
    panel.set_client(client)
    panel.resize(1000, 500)
    panel.show()
    qtbot.waitExposed(panel)
    assert run_until(lambda: not panel.masker_bank.loading, 120), panel.bank.status.text()
    return panel


def _rows(bank) -> dict[str, list[str]]:
    table = bank.table
    return {table.item(r, 0).text(): [table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())}


def _refresh(qtbot, bank) -> None:
    assert bank.refresh_button.isEnabled()
    with LoopMonitor() as monitor:
        qtbot.mouseClick(bank.refresh_button, Qt.MouseButton.LeftButton)
        assert bank.bank.loading and not bank.refresh_button.isEnabled()
        assert run_until(lambda: not bank.bank.loading, 120), bank.status.text()
    assert monitor.worst_busy_s < 0.25, f"the UI thread was busy {monitor.worst_busy_s:.3f} s in one turn"


def test_the_bank_tab_lists_what_the_engine_sees(qtbot, panel, plugins, tmp_path):
    bank = panel.bank
    rows = _rows(bank)
    assert set(rows) == PROCEDURAL
    assert rows["stream"][1:] == ["water", "30.0 s", "44.1 kHz", rows["stream"][4], "plugin procedural-maskers"]
    assert rows["stream"][4].startswith("CC0")

    plugins.set_enabled("hum_maskers", True)
    _refresh(qtbot, bank)
    assert _rows(bank)["hum"][1:] == ["tone", "2.0 s", "22.05 kHz", "CC-BY-4.0", "plugin hum_maskers"]

    plugins.set_enabled("procedural-maskers", False)
    _refresh(qtbot, bank)
    assert set(_rows(bank)) == {"hum"}, "a disabled plugin's maskers are not offered"

    (tmp_path / "mine").mkdir()
    sf.write(tmp_path / "mine" / "fan.wav", 0.1 * np.ones(3 * 8000), 8000)
    (tmp_path / "mine" / "broken.flac").write_bytes(b"fLaC but not really")
    with qtbot.waitSignal(panel.masker_bank.folders_changed) as changed:
        bank.add_folder(tmp_path / "mine")
    assert changed.args[0] == [str((tmp_path / "mine").resolve())] == panel.masker_bank.folders
    assert run_until(lambda: "fan" in _rows(bank), 120), bank.status.text()
    assert _rows(bank)["fan"][5] == "folder mine"
    assert "1 broken entries skipped" in bank.status.text() and "broken.flac" in bank.status.toolTip()
    with pytest.raises(ValueError, match="does not exist"):
        bank.add_folder(tmp_path / "nowhere")


def test_listen_fetches_a_plugins_render_from_the_engine(qtbot, panel, plugins):
    plugins.set_enabled("hum_maskers", True)
    bank = panel.bank
    _refresh(qtbot, bank)
    row = list(_rows(bank)).index("hum")
    qtbot.mouseClick(bank.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=bank.table.visualItemRect(bank.table.item(row, 0)).center())
    assert "a 120 Hz hum, v1" in bank.source_label.text()
    with qtbot.waitSignal(bank.listen_ready, timeout=60_000) as heard:
        qtbot.mouseClick(bank.listen_button, Qt.MouseButton.LeftButton)
    name, samples, rate = heard.args
    t = np.arange(2 * 22050) / 22050
    assert (name, rate, samples.shape) == ("hum", 22050, (2 * 22050, 1))
    assert np.abs(samples[:, 0] - 0.25 * np.sin(2 * np.pi * 120 * t)).max() < 1e-3
    if output_problem() is None:
        assert panel.player.label == "masker hum"
    else:
        assert "cannot play" in bank.status.text()


def test_the_spatial_panel_offers_the_engines_maskers(qtbot, client, plugins, tmp_path):
    plugins.set_enabled("hum_maskers", True)
    stack = QUndoStack()
    spatial = SpatialPanel(stack, AudioPlayer(), tmp_path)
    stack.setParent(spatial)
    qtbot.addWidget(spatial)
    spatial.set_document(AudioDocument())
    spatial.set_client(client)
    spatial.set_bank(MaskerBank(client, spatial))
    assert run_until(lambda: not spatial.masker_bank.loading, 120)
    offered = {spatial.masker_box.itemText(i) for i in range(spatial.masker_box.count())}
    assert offered == PROCEDURAL | {"hum"}
