"""The sound document, waveform overviews, the timeline mix, playback devices and the MP4 soundtrack."""

import json
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from PySide6.QtGui import QUndoStack

from app.audio_export import mux_mp4, write_soundtrack
from app.audio_timeline import MIX_RATE, mix_document
from app.project.audio import AudioClip, AudioDocument, SpatialSource
from app.project.audio_commands import AddAudioClip, SetField
from app.project.commands import push
from app.project.fileio import VERSION, load_project, save_project
from app.project.model import PlacementError, Project
from app.waveform import overview
from app.widgets.playback import AudioPlayer, input_problem, output_problem
from engine.audio.spatial.spec import Keyframe


def _tone(path: Path, seconds: float = 1.0, rate: int = 44100, amplitude: float = 0.25) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    sf.write(str(path), (amplitude * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate)
    return path


def test_sound_survives_save_and_reopen(tmp_path):
    project = Project()
    tone = _tone(tmp_path / "tone.wav")
    project.audio.tracks[0].add_clip(AudioClip(path=str(tone), name="tone", start=1.0, duration=1.0, gain_db=-6))
    project.audio.spatial.add_source(SpatialSource(name="bird", masker="bird_warbler", trajectory=[
        Keyframe(t=0, azimuth=90, distance=2), Keyframe(t=2, azimuth=-90, distance=2)]))
    save_project(project, tmp_path / "p.nloom")
    assert json.loads((tmp_path / "p.nloom").read_text())["version"] == VERSION
    again = load_project(tmp_path / "p.nloom")
    assert again.audio.to_dict() == project.audio.to_dict()
    assert again.audio.spatial.scene().sources[0].trajectory[1].azimuth == -90


def test_a_version_2_file_opens_with_empty_audio_tracks(tmp_path):
    body = {"name": "old", "settings": {}, "tracks": [{"name": "Prompts", "kind": "prompt", "clips": []}]}
    (tmp_path / "old.nloom").write_text(json.dumps({"format": "noiseloom-project", "version": 2, "project": body}))
    project = load_project(tmp_path / "old.nloom")
    assert [t.name for t in project.audio.tracks] == ["Soundscape", "Maskers", "Spatial"]
    assert all(len(t) == 0 for t in project.audio.tracks) and project.audio.spatial.sources == []


def test_audio_edits_mark_the_project_changed_and_undo(qapp, tmp_path):
    project, stack, changes = Project(), QUndoStack(), []
    project.changed.connect(lambda: changes.append(1))
    clip = AudioClip(path=str(_tone(tmp_path / "t.wav")), duration=1.0)
    push(stack, AddAudioClip(project.audio.tracks[1], clip))
    push(stack, SetField(clip, "gain_db", -12.0))
    push(stack, SetField(clip, "gain_db", -9.0))             # typing in one field: one undo step
    assert changes and clip.gain_db == -9.0 and stack.count() == 2
    with pytest.raises(PlacementError, match="gain_db"):
        push(stack, SetField(clip, "gain_db", 99.0))
    stack.undo()
    assert clip.gain_db == 0.0
    stack.undo()
    assert len(project.audio.tracks[1]) == 0


def test_waveform_overview_is_cached_and_matches_the_samples(tmp_path):
    path = _tone(tmp_path / "tone.wav", seconds=2.0, amplitude=0.5)
    first = overview(path, tmp_path / "cache")
    cached = list((tmp_path / "cache" / "waveforms").glob("*.npz"))
    assert len(cached) == 1
    second = overview(path, tmp_path / "cache")
    assert np.array_equal(first.maxima, second.maxima) and second.duration_s == pytest.approx(2.0)
    assert len(first.maxima) == pytest.approx(2.0 * first.buckets_per_s, abs=1)
    assert first.maxima.max() == pytest.approx(0.5, abs=0.01) and first.minima.min() == pytest.approx(-0.5, abs=0.01)


def test_timeline_mix_applies_gain_start_and_fades(tmp_path):
    doc = AudioDocument()
    tone = _tone(tmp_path / "t.wav", seconds=2.0, rate=44100, amplitude=0.5)
    doc.tracks[0].add_clip(AudioClip(path=str(tone), start=1.0, duration=2.0, gain_db=-6.0, fade_in=0.5))
    mix = mix_document(doc)
    assert mix.shape == (3 * MIX_RATE, 2)
    assert np.abs(mix[: MIX_RATE - 10]).max() == 0.0                         # silent before the clip
    steady = mix[int(2.0 * MIX_RATE):int(2.5 * MIX_RATE), 0]
    assert np.abs(steady).max() == pytest.approx(0.5 * 10 ** (-6 / 20), rel=0.02)
    level = 0.5 * 10 ** (-6 / 20)
    fade = int(0.5 * MIX_RATE)                                               # linear over the first 0.5 s
    assert np.abs(mix[MIX_RATE:MIX_RATE + 2000, 0]).max() <= level * 2000 / fade * 1.05
    assert np.abs(mix[MIX_RATE + fade // 2 - 500:MIX_RATE + fade // 2 + 500, 0]).max() == pytest.approx(level / 2, rel=0.05)
    out = write_soundtrack(doc, tmp_path / "mix.wav")
    assert (sf.info(str(out)).channels, sf.info(str(out)).samplerate) == (2, MIX_RATE)


def test_mp4_export_carries_the_soundtrack(tmp_path):
    video = tmp_path / "v.mp4"
    with av.open(str(video), "w") as out:
        stream = out.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(16):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 12, np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    tone = np.tile((0.3 * np.sin(np.arange(3 * MIX_RATE) / MIX_RATE * 2 * np.pi * 440))[:, None], (1, 2))
    mux_mp4(video, tone.astype(np.float32), MIX_RATE, tmp_path / "with_sound.mp4")
    with av.open(str(tmp_path / "with_sound.mp4")) as container:
        kinds = {s.type: s for s in container.streams}
        assert kinds["video"].codec_context.name == "h264" and kinds["video"].frames in (0, 16)
        audio = kinds["audio"]
        assert (audio.codec_context.name, audio.rate, audio.codec_context.channels) == ("aac", MIX_RATE, 2)
        decoded = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
    assert decoded.shape[1] == pytest.approx(2 * MIX_RATE, rel=0.05)            # cut to the video's 2 s
    assert np.sqrt(np.mean(decoded[:, 4096:-4096] ** 2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.1)


@pytest.mark.skipif(output_problem() is not None, reason=f"no audio output here: {output_problem()}")
def test_playback_through_a_real_output_stream(qtbot):
    player = AudioPlayer()
    positions = []
    player.position.connect(positions.append)
    tone = np.zeros((int(0.5 * MIX_RATE), 2), np.float32)
    with qtbot.waitSignal(player.finished, timeout=5000):
        player.play(tone, MIX_RATE, 0.0)
    assert positions and positions[-1] >= 0.45
    assert not player.playing


@pytest.mark.skipif(output_problem() is None, reason="this machine has an audio output device")
def test_without_a_device_the_studio_says_so_and_still_works(qtbot, tmp_path):
    from app.widgets.audio_track import AudioPanel

    panel = AudioPanel(QUndoStack(), tmp_path / "rec")
    qtbot.addWidget(panel)
    panel.set_document(AudioDocument())
    assert not panel.play_button.isEnabled() and "no audio output device" in panel.device_label.text()
    messages = []
    panel.message.connect(messages.append)
    panel.play()
    assert messages and "no audio output device" in messages[0]
    clip = panel.add_file(_tone(tmp_path / "t.wav"), "Soundscape")
    panel.select(clip.id)
    assert panel.spectrogram.power_db is not None and panel.spectrogram.power_db.shape[1] == 160
    panel.set_playhead(0.5)
    assert max(panel.meter.levels) == pytest.approx(20 * np.log10(0.25), abs=0.5)
    panel.gain.setValue(-6.0)                                    # the clip's gain, as an undo step
    assert clip.gain_db == -6.0 and panel.stack.undoText() == "Set gain db"
    panel.set_playhead(0.5)
    assert max(panel.meter.levels) == pytest.approx(20 * np.log10(0.25) - 6.0, abs=0.5)
    panel.delete_selected()
    assert len(panel.doc.tracks[0]) == 0
    panel.stack.undo()
    panel.stack.undo()
    assert [c.gain_db for c in panel.doc.tracks[0]] == [0.0]


@pytest.mark.skipif(input_problem() is not None, reason=f"no audio input here: {input_problem()}")
def test_recording_from_a_real_input_device_writes_a_clip_file(qtbot, tmp_path):
    from app.widgets.playback import Recorder

    recorder = Recorder()
    recorder.start(rate=48000)
    qtbot.wait(300)
    path = recorder.stop(tmp_path / "take.wav")
    info = sf.info(str(path))
    assert info.samplerate == 48000 and info.duration > 0.1


def test_dragging_a_source_with_the_mouse_is_one_undo_step(qtbot, tmp_path):
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.widgets.spatial_panel import SpatialPanel, to_view

    stack = QUndoStack()
    panel = SpatialPanel(stack, AudioPlayer(), tmp_path)
    stack.setParent(panel)      # as the window's: deleted with it, not by a garbage collection later
    qtbot.addWidget(panel)
    panel.set_document(AudioDocument())
    panel.resize(900, 500)
    panel.show()
    qtbot.waitExposed(panel)
    source = panel.add_source("fountain")                    # static, 2 m in front
    view, viewport = panel.view, panel.view.viewport()

    def at(azimuth: float, distance: float):
        return view.mapFromScene(view.plotItem.vb.mapViewToScene(QPointF(*to_view(azimuth, distance))))

    start, end = at(0.0, 2.0), at(90.0, 2.0)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 11):      # moves with the button held (QTest.mouseMove carries no buttons)
        point = QPointF(start + (end - start) * step / 10)
        QApplication.sendEvent(viewport, QMouseEvent(
            QMouseEvent.Type.MouseMove, point, viewport.mapToGlobal(point), Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    (key,) = source.trajectory
    assert key.azimuth == pytest.approx(90.0, abs=3.0) and key.distance == pytest.approx(2.0, rel=0.05)
    assert stack.count() == 2 and stack.undoText() == "Move fountain"      # ten mouse moves, one step
    stack.undo()
    assert source.trajectory == [Keyframe(t=0.0, azimuth=0.0, distance=2.0)]


def test_audio_spans_and_edits_succeed_whole_or_roll_back(tmp_path):
    from app.project.audio import AudioSpan
    from app.project.audio_commands import RemoveAudioClip, SetAudioSpan
    from app.project.commands import Batch

    doc = AudioDocument()
    clip = AudioClip(path=str(_tone(tmp_path / "t.wav", seconds=4.0)), start=2.0, duration=4.0, offset=1.0,
                     fade_in=1.0, fade_out=2.0)
    doc.tracks[0].add_clip(clip)
    span = AudioSpan.of(clip)
    assert span.trimmed_start(0.0) == AudioSpan(1.0, 5.0, 0.0, 1.0, 2.0)      # not before the source's start
    assert span.trimmed_end(3.5) == AudioSpan(2.0, 1.5, 1.0, 1.0, 1.5)        # fades cut to the clip
    assert span.split(3.0) == (AudioSpan(2.0, 1.0, 1.0, 1.0, 0.0), AudioSpan(3.0, 3.0, 2.0, 0.0, 2.0))
    with pytest.raises(PlacementError, match="offset"):
        SetAudioSpan(doc, clip.id, doc.tracks[1], AudioSpan(2.0, 4.0, -1.0, 0.0, 0.0)).check()
    move = SetAudioSpan(doc, clip.id, doc.tracks[1], span.moved_to(5.0))
    other = AudioClip(path=clip.path, duration=1.0)
    broken = Batch([move, RemoveAudioClip(doc.tracks[2], other)], "Move and delete")    # the second step fails
    with pytest.raises(KeyError):
        broken.redo()
    assert doc.find_clip(clip.id)[0] is doc.tracks[0] and AudioSpan.of(clip) == span     # the move rolled back


def test_a_trimmed_clip_gives_the_engine_the_part_it_plays(tmp_path):
    from app.audio_export import clip_excerpt

    tone = _tone(tmp_path / "t.wav", seconds=2.0, rate=44100)
    whole = AudioClip(path=str(tone), duration=2.0)
    assert clip_excerpt(whole, tmp_path / "ex") == tone                      # untrimmed: the file itself
    trimmed = AudioClip(path=str(tone), duration=0.25, offset=0.5, gain_db=-12.0, fade_in=0.1)
    excerpt = clip_excerpt(trimmed, tmp_path / "ex")
    source, _ = sf.read(str(tone), dtype="float32")
    played, rate = sf.read(str(excerpt), dtype="float32")
    assert rate == 44100 and len(played) == round(0.25 * 44100)
    assert np.abs(played - source[22050:22050 + len(played)]).max() < 1e-5    # no gain or fade: the raw part
