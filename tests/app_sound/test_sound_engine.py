"""The sound panels against a real engine: search, audition, apply; spatial paths, verify, export."""

from pathlib import Path

import pytest
import soundfile as sf
from PySide6.QtCore import QPointF
from PySide6.QtGui import QUndoStack

from app.engine_bank import MaskerBank
from app.loop_monitor import run_until
from app.project.audio import AudioDocument
from app.theme import resources_dir
from app.widgets.playback import AudioPlayer
from app.widgets.soundscape_panel import SoundscapePanel
from app.widgets.spatial_panel import SpatialPanel, to_view

pytestmark = pytest.mark.timeout(240)
STREET = resources_dir() / "examples" / "traffic_street.flac"


@pytest.fixture
def soundscape(qtbot, client, tmp_path):
    stack = QUndoStack()
    panel = SoundscapePanel(stack, AudioPlayer(), tmp_path)
    stack.setParent(panel)      # as the window's: deleted with it, not by a garbage collection later
    qtbot.addWidget(panel)
    panel.set_client(client)
    panel.set_document(AudioDocument())
    return panel


@pytest.fixture
def spatial(qtbot, client, tmp_path):
    stack = QUndoStack()
    panel = SpatialPanel(stack, AudioPlayer(), tmp_path)
    stack.setParent(panel)      # as the window's: deleted with it, not by a garbage collection later
    qtbot.addWidget(panel)
    panel.set_client(client)
    panel.set_bank(MaskerBank(client, panel))
    doc = AudioDocument()
    doc.spatial.settings.duration = 3.0
    panel.set_document(doc)
    return panel


def _wait(job, seconds: float = 180) -> None:
    errors: list[str] = []
    job.failed.connect(errors.append)
    assert run_until(lambda: not job.running or errors, seconds), "the engine job did not end in time"
    assert not errors, errors


def _wait_panel(panel: SoundscapePanel | SpatialPanel, seconds: float = 180) -> None:
    """Until the panel's work has ended: a search or audition (excerpt, engine job, reading A and B), an
    Apply's fetch, or a spatial render and the file work after it."""
    errors: list[str] = []
    panel.message.connect(errors.append)
    assert run_until(lambda: not panel.busy or errors, seconds), "the panel's work did not end in time"
    assert not errors, errors


def test_search_fills_the_table_and_plots_then_audition_and_apply(soundscape, tmp_path):
    panel = soundscape
    clip = panel.import_soundscape(STREET)
    assert panel.soundscape_clip() is clip and clip.duration == pytest.approx(30.0, abs=0.1)
    panel.snr_min.setValue(-3)
    panel.snr_max.setValue(3)
    assert run_until(lambda: panel.masker_bank.entries, 120), panel.masker_bank.message
    assert panel.search()
    _wait_panel(panel)
    result = panel.result
    assert panel.table.rowCount() == len(result["best_per_masker"]) >= 10
    assert panel.table.item(0, 1).text() == result["best_per_masker"][0]["masker"]
    curves = [item for item in panel.gain_plot.getPlotItem().listDataItems() if len(item.xData) > 1]
    assert len(curves) == len(panel.selected_curves()) == 3      # the top three are drawn
    assert curves[0].xData[0] == pytest.approx(result["best_per_masker"][0]["gain_db"][0])
    assert len(panel.after_points) == 3 and all(-1 <= p <= 1 and -1 <= e <= 1 for p, e in panel.after_points)

    best = panel.selected_curves()[0]
    assert panel.audition()
    _wait_panel(panel, 60)
    mixed = sf.info(str(panel.audition_file))
    assert mixed.samplerate == sf.info(str(STREET)).samplerate and mixed.duration == pytest.approx(30.0, abs=0.1)
    (bare, bare_rate), (with_masker, rate) = panel.ab["A"], panel.ab["B"]
    assert (bare_rate, rate, bare.shape) == (mixed.samplerate, mixed.samplerate, with_masker.shape)
    assert panel.play_b.isChecked() and panel.play_a.isEnabled()

    masker = panel.apply()
    maskers = panel.doc.track("Maskers")
    assert [c.name for c in maskers] == [best["masker"]]
    assert masker.gain_db == best["best"]["gain_db"] and masker.duration == clip.duration
    assert Path(masker.path).is_file()
    panel.stack.undo()
    assert len(maskers) == 0

    # an engine on another machine: its masker paths are not files here, so Apply fetches the file first
    engine_path = Path(panel.masker_bank.entry(best["masker"])["path"])
    panel.masker_bank.entry(best["masker"])["path"] = "/on/the/engine/machine/" + engine_path.name
    assert panel.apply() is None
    _wait_panel(panel)
    [fetched] = maskers
    assert Path(fetched.path).parent == tmp_path / "maskers" and Path(fetched.path).suffix == engine_path.suffix
    assert Path(fetched.path).read_bytes() == engine_path.read_bytes()
    assert fetched.gain_db == best["best"]["gain_db"] and fetched.name == best["masker"]
    panel.stack.undo()
    assert len(maskers) == 0


def test_drag_a_source_is_one_undo_step(spatial):
    panel = spatial
    assert run_until(lambda: panel.masker_box.count(), 120), panel.masker_bank.message
    panel.apply_phrase("a car passing from left to right")
    source = panel.doc.spatial.sources[0]
    proposed = list(source.trajectory)
    assert [round(k.azimuth) for k in proposed] == [90, 0, -90] and source.interpolation == "smooth"
    panel.set_playhead(0.2)
    for azimuth in (120.0, 135.0, 150.0):                 # one drag, three mouse moves
        x, y = to_view(azimuth, 4.0)
        panel.drag_position(source, QPointF(x, y))
    panel.end_drag()
    assert len(source.trajectory) == 4               # a keyframe was added at the playhead
    moved = next(k for k in source.trajectory if k.t == pytest.approx(0.2))
    assert moved.azimuth == pytest.approx(150.0, abs=0.01)
    assert moved.distance == pytest.approx(4.0, rel=1e-6)
    panel.stack.undo()
    assert source.trajectory == proposed
    panel.stack.undo()
    assert panel.doc.spatial.sources == []


def test_verify_shows_estimates_over_the_paths_and_export_reads_back(spatial, tmp_path):
    panel = spatial
    panel.add_source("pink_noise", "a sound moving from the left to the front")
    panel.set_setting("format", "foa")
    assert panel.verify()
    _wait(panel.job)
    assert "SELD" in panel.metrics.text() and "DOA error" in panel.metrics.text()
    estimates = panel.estimates[0]
    assert estimates["source"] == "pink_noise" and len(estimates["azimuth"]) == 30
    known = [a for a in estimates["azimuth"] if a is not None]
    assert known and abs(known[0] - 90) < 25      # starts on the left, as drawn

    assert panel.export_to(tmp_path / "out")
    _wait_panel(panel)
    foa = sf.info(str(tmp_path / "out" / "foa.wav"))
    assert (foa.channels, foa.samplerate, round(foa.duration, 2)) == (4, 48000, 3.0)
    rows = (tmp_path / "out" / "annotations.csv").read_text().strip().splitlines()
    assert len(rows) == 30 and rows[0].count(",") >= 4

    panel.set_setting("format", "binaural")
    assert panel.export_to(tmp_path / "bin")
    _wait_panel(panel)
    binaural = sf.info(str(tmp_path / "bin" / "binaural.wav"))
    assert (binaural.channels, binaural.samplerate) == (2, 48000)

    assert panel.render_to_track()                               # the render becomes a clip of the tracks
    _wait_panel(panel)
    clip = panel.doc.track("Spatial").clips[0]
    assert clip.kind == "render" and clip.duration == pytest.approx(3.0)
    assert sf.info(clip.path).channels == 2 and Path(clip.path).parent != tmp_path / "spatial" / panel.job.job_id

    assert panel.listen()                       # a binaural render, read on a worker thread, then played
    _wait_panel(panel)
    assert panel.player.playing or "cannot play" in panel.status.text()   # no output device on CI machines
    assert "rendered binaural.wav: 2 channels" in panel.status.text()
    panel.player.stop()
