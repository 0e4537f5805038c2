"""The main window's document handling: save/load round trip, corrupt files, autosave, recovery, export,
the model manager; no engine needed."""

import json

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage

from app.main_window import MainWindow
from app.project.autosave import pending_recoveries
from app.project.fileio import load_project
from app.project.models import validate_model_folder


@pytest.fixture
def make_window(qtbot, tmp_path):
    made = []

    def make():
        settings = QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)
        win = MainWindow(settings=settings, autosave_dir=tmp_path / "auto", cache_dir=tmp_path / "cache")
        win.confirm_close = False
        qtbot.addWidget(win)
        made.append(win)
        return win

    yield make
    for win in made:
        win.shutdown()


def test_save_and_reopen_round_trip(make_window, tmp_path):
    win = make_window()
    win.timeline.add_clip(0.0, "dawn over a city")
    win.timeline.add_clip(5.0, "night falls")
    win.project.prompt_track.clips[1].hard_cut = True
    win.project.settings.steps = 7
    path = tmp_path / "city.nloom"
    assert win.save_to(path)
    assert win.stack.isClean() and win.windowTitle().startswith("city.nloom —")
    other = make_window()
    assert other.open_project(path)
    assert [(c.start, c.end, c.text, c.hard_cut) for c in other.project.prompt_track] == [
        (0, 4, "dawn over a city", False), (5, 9, "night falls", True)]
    assert other.project.settings.steps == 7
    assert len(other.timeline.items) == 2


def test_corrupt_file_is_refused_and_untouched(make_window, tmp_path):
    win = make_window()
    win.timeline.add_clip(0.0, "keep me")
    path = tmp_path / "broken.nloom"
    path.write_text('{"format": "noiseloom-project", "version": 2, "project": {"tracks": [')
    before = path.read_bytes()
    assert win.open_project(path) is False
    assert "not valid JSON" in win.statusBar().currentMessage()
    assert path.read_bytes() == before
    assert [c.text for c in win.project.prompt_track] == ["keep me"]     # the open project is untouched


def test_autosave_and_recovery_after_a_crash(make_window, tmp_path):
    win = make_window()
    win.timeline.add_clip(1.0, "unsaved idea")
    assert win.autosave() is True
    assert win.autosave() is False          # nothing changed since
    # a crash: the window never closes cleanly, the side file stays
    found = pending_recoveries(tmp_path / "auto", [])
    assert len(found) == 1
    fresh = make_window()
    assert fresh.recover(found[0])
    assert [c.text for c in fresh.project.prompt_track] == ["unsaved idea"]
    assert not fresh.stack.isClean()
    assert pending_recoveries(tmp_path / "auto", []) == []


def test_clean_close_removes_the_autosave(make_window, tmp_path):
    win = make_window()
    win.timeline.add_clip(1.0, "x")
    win.autosave()
    assert pending_recoveries(tmp_path / "auto", [])
    win.close()
    assert pending_recoveries(tmp_path / "auto", []) == []


def test_export_writes_frames_and_a_reproducible_sidecar(qtbot, make_window, tmp_path):
    win = make_window()
    win.timeline.add_clip(0.0, "waves")
    with pytest.raises(ValueError, match="generate the video first"):
        win.export_to(tmp_path / "out.mp4")
    image = QImage(16, 8, QImage.Format.Format_RGB888)
    image.fill(QColor("red"))
    win.generation.set_frames(0, [image, image])
    task = win.export_to(tmp_path / "out" / "film.mp4", png_frames=True)
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    assert task.error == "" and "Exported 3 file(s)" in win.statusBar().currentMessage()
    names = sorted(p.name for p in task.written)
    assert names == ["film.json", "frame_000000.png", "frame_000001.png"]
    meta = json.loads((tmp_path / "out" / "film.json").read_text())
    assert meta["project"]["tracks"][0]["clips"][0]["text"] == "waves"
    assert meta["project"]["settings"]["seed"] == win.project.settings.seed
    assert QImage(str(tmp_path / "out" / "film_frames" / "frame_000001.png")).pixelColor(3, 3) == QColor("red")


def _diffusers_folder(root, weights=True):
    (root / "transformer").mkdir(parents=True)
    (root / "vae").mkdir()
    (root / "model_index.json").write_text(json.dumps({
        "_class_name": "WanPipeline", "transformer": ["diffusers", "WanTransformer3DModel"],
        "vae": ["diffusers", "AutoencoderKLWan"], "scheduler": [None, None]}))
    (root / "transformer" / "config.json").write_text("{}")
    if weights:
        (root / "transformer" / "diffusion_pytorch_model.safetensors").write_bytes(b"\0")
    return root


def test_model_folder_validation_names_the_problem(tmp_path):
    with pytest.raises(ValueError, match="no model_index.json"):
        validate_model_folder(tmp_path)
    incomplete = _diffusers_folder(tmp_path / "wan-incomplete", weights=False)
    with pytest.raises(ValueError, match="no weights"):
        validate_model_folder(incomplete)
    info = validate_model_folder(_diffusers_folder(tmp_path / "wan"))
    assert info.pipeline == "WanPipeline" and info.components == ("transformer", "vae")


def test_model_manager_adds_valid_folders_only(make_window, tmp_path):
    win = make_window()
    assert win.models.add_folder(tmp_path / "nowhere") is False
    assert "not a folder" in win.models.error.text()
    good = _diffusers_folder(tmp_path / "wan")
    assert win.models.add_folder(good)
    combo = win.inspector.project_panel.model
    assert [combo.itemText(i) for i in range(combo.count())] == ["builtin:shapes", str(good.resolve())]
    assert make_window().models.folders == [str(good.resolve())]       # remembered in the settings


def test_saved_file_is_loadable_without_qt(make_window, tmp_path):
    win = make_window()
    win.timeline.add_clip(0.0, "plain")
    win.save_to(tmp_path / "p")
    assert load_project(tmp_path / "p.nloom").prompt_track.clips[0].text == "plain"


def test_engine_settings_name_the_field_to_fix():
    from app.widgets.engine_dialog import EngineSettings

    assert "URL" in EngineSettings("remote", url="localhost:1", token="t").problem()
    assert "Token" in EngineSettings("remote", url="http://127.0.0.1:1").problem()
    assert EngineSettings("remote", url="http://127.0.0.1:1", token="t").problem() == ""
    assert EngineSettings().problem() == ""


def test_unreachable_remote_engine_keeps_reconnecting_without_blocking(qtbot, make_window):
    from app.widgets.engine_dialog import EngineSettings

    win = make_window()
    win.start_engine(EngineSettings("remote", url="http://127.0.0.1:9", token="t"))
    qtbot.waitUntil(lambda: win.client.state == "reconnecting", timeout=10_000)
    assert "reconnecting" in win.engine_label.text() and not win.restart_button.isVisible()
    win.timeline.add_clip(0.0, "a red ball bouncing")
    assert win.generate() is False
    assert "engine is reconnecting" in win.statusBar().currentMessage()
