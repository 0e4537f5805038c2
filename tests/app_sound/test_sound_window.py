"""The sound panels inside the main window: one playhead, saved with the project, MP4 export with sound."""

import av
import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QSettings

from app.main_window import MainWindow
from app.theme import resources_dir
from app.widgets.playback import output_problem

STREET = resources_dir() / "examples" / "traffic_street.flac"


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                     autosave_dir=tmp_path / "auto", cache_dir=tmp_path / "cache")
    win.confirm_close = False
    qtbot.addWidget(win)
    yield win
    win.shutdown()


def test_one_playhead_for_video_and_sound(window):
    sound = window.sound
    sound.soundscape.import_soundscape(STREET)
    sound.spatial.apply_phrase("a car passing from left to right")
    window.timeline.set_playhead(5.0)
    assert sound.audio.playhead == pytest.approx(5.0)
    assert sound.spatial.playhead == pytest.approx(5.0)
    assert max(sound.audio.meter.levels) > -40                      # the street is audible at 5 s
    window.player.play()                                             # the sound plays along when it can
    assert sound.audio.player.playing == (output_problem() is None)
    window.player.pause()
    assert not sound.audio.player.playing


def test_sound_is_saved_with_the_project_and_undone_from_the_edit_menu(window, tmp_path):
    window.sound.soundscape.import_soundscape(STREET)
    assert window.save_to(tmp_path / "p")
    assert window.open_project(tmp_path / "p.nloom")
    clips = window.project.audio.tracks[0].clips
    assert [c.name for c in clips] == ["traffic_street"]
    assert window.sound.soundscape.soundscape_clip().id == clips[0].id   # the panels show the new project
    window.sound.spatial.add_source("fountain")
    window.stack.undo()
    assert window.project.audio.spatial.sources == []
    box = window.sound.spatial.masker_box                       # a clip of the tracks as a source's sound
    box.setCurrentIndex(box.findText("clip: traffic_street"))
    window.sound.spatial.apply_phrase("a car approaching from the right")
    source = window.project.audio.spatial.sources[0]
    assert source.audio == clips[0].path and source.masker is None
    assert window.project.audio.spatial.scene().sources[0].trajectory[0].azimuth == -90


def test_exported_mp4_carries_the_audio_tracks(qtbot, window, tmp_path):
    video = tmp_path / "generated.mp4"
    with av.open(str(video), "w") as out:
        stream = out.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(24):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 9, np.uint8), format="rgb24")))
        out.mux(stream.encode(None))
    window.session.video_file = video
    window.project.settings.duration = 3.0
    window.sound.soundscape.import_soundscape(STREET)
    task = window.export_to(tmp_path / "export" / "film.mp4")
    qtbot.waitUntil(lambda: task.done, timeout=30_000)
    assert task.error == "" and tmp_path / "export" / "film.mp4" in task.written
    with av.open(str(tmp_path / "export" / "film.mp4")) as container:
        audio = container.streams.audio[0]
        assert (audio.codec_context.name, audio.rate, audio.codec_context.channels) == ("aac", 48000, 2)
        samples = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
    street, _ = sf.read(str(STREET), frames=3 * 44100, dtype="float32")
    assert samples.shape[1] == pytest.approx(3 * 48000, rel=0.05)
    assert np.sqrt(np.mean(samples ** 2)) == pytest.approx(np.sqrt(np.mean(street ** 2)), rel=0.15)
