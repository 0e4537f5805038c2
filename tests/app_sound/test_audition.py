"""Audition without stalls and with an editor's A/B: switching between A and B goes on from the same
playback position (the player's cursor, and a real output stream where this machine has a device); the
trimmed excerpt a search analyses is written in a worker thread while the event loop keeps turning."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtGui import QUndoStack

from app.audio_timeline import played_part
from app.loop_monitor import LoopMonitor, run_until
from app.project.audio import AudioClip, AudioDocument
from app.widgets.playback import AudioPlayer, PlaybackCursor, output_problem
from app.widgets.soundscape_panel import SoundscapePanel

RATE = 48000


def _ramp(seconds: float, rate: int, scale: float) -> np.ndarray:
    """Samples whose value is ``scale`` times their time in seconds: where a block came from is readable."""
    return (scale * np.arange(int(seconds * rate)) / rate).astype(np.float32)[:, None]


def test_the_cursor_switches_to_other_samples_at_the_same_moment():
    a, b = _ramp(2.0, RATE, 0.1), _ramp(2.0, RATE, -0.1)
    cursor = PlaybackCursor(a, RATE)
    block = np.empty((480, 1), np.float32)
    for _ in range(50):                                   # 0.5 s of A
        assert cursor.read(block)
    assert cursor.position_s == pytest.approx(0.5)
    cursor.swap(b, RATE)
    assert cursor.position_s == pytest.approx(0.5)
    cursor.read(block)
    assert block[0, 0] == pytest.approx(-0.1 * 0.5, abs=1e-6), "B goes on at 0.5 s, not from its start"
    b_at_22k = _ramp(2.0, 22050, -0.1)
    cursor.swap(b_at_22k, 22050)                           # another rate: the same moment in seconds
    cursor.read(block[:100])
    assert block[0, 0] == pytest.approx(-0.1 * 0.51, abs=1e-4)
    cursor.swap(_ramp(0.25, RATE, 1.0), RATE)              # shorter than where playback is: at its end
    assert not cursor.read(block) and not block.any()


@pytest.mark.skipif(output_problem() is not None, reason=f"no audio output here: {output_problem()}")
def test_switching_a_real_stream_keeps_the_position(qtbot):
    player = AudioPlayer()
    a, b = _ramp(3.0, RATE, 0.1), _ramp(3.0, RATE, -0.1)
    player.play(a, RATE, 0.0, "audition A")
    qtbot.wait(400)
    before = player.position_s
    player.switch(b, RATE, "audition B")
    assert player.playing and player.label == "audition B"
    assert player.position_s >= before > 0.2, "B went on from where A was"
    qtbot.wait(300)
    assert player.position_s > before + 0.15
    player.switch(b.repeat(2, axis=1), RATE, "audition B stereo")          # other channels: a new stream
    assert player.playing and player.position_s >= before + 0.15
    player.stop()
    assert player.label == ""


def test_the_excerpt_is_written_off_the_ui_thread(qtbot, tmp_path):
    stack = QUndoStack()
    panel = SoundscapePanel(stack, AudioPlayer(), tmp_path / "work")
    stack.setParent(panel)
    qtbot.addWidget(panel)
    panel.set_document(AudioDocument())
    rng = np.random.default_rng(3)
    source = tmp_path / "long.wav"
    sf.write(source, (0.1 * rng.standard_normal((120 * RATE, 2))).astype(np.float32), RATE, subtype="FLOAT")
    clip = AudioClip(path=str(source), duration=100.0, offset=10.0)
    written: list[tuple] = []
    with LoopMonitor() as monitor:
        panel.with_excerpt(clip, lambda path: written.append((path, threading.current_thread())))
        assert written == [] and panel.busy, "the excerpt is not written in the call"
        assert run_until(lambda: written, 60)
    (path, thread), = written
    assert thread is threading.main_thread(), "the answer comes back on the UI thread"
    assert monitor.worst_busy_s < 0.1, f"the UI thread was busy {monitor.worst_busy_s:.3f} s in one turn"
    data, _ = sf.read(str(source), dtype="float32", always_2d=True)
    excerpt, rate = sf.read(str(path), dtype="float32", always_2d=True)
    assert rate == RATE and np.abs(excerpt - played_part(data, 10 * RATE, 100 * RATE)).max() < 1e-5
    again: list = []
    panel.with_excerpt(clip, again.append)
    assert again == [path], "the same trim is written once"
