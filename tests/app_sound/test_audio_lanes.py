"""Audio clips on the timeline's lanes, driven like a user: real mouse events on the main window's
timeline (move, move onto another lane, trim either edge, snapping, split/copy/paste/delete keys), one
time axis with the video, the mix after the edits with real numbers, and no stall on long waveforms."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.audio_timeline import MIX_RATE, mix_document
from app.loop_monitor import LoopMonitor, run_until
from app.project.audio import AudioClip
from app.project.audio_commands import AddAudioClip, SetField
from app.project.commands import AddClips, push
from app.project.model import PlacementError, PromptClip
from app.waveform import Overview
from app.widgets.timeline_rows import LANE_H, TRACK_H, TRACK_Y, lane_top

NONE = Qt.KeyboardModifier.NoModifier
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(shown_window):
    return shown_window


def _burst(path: Path, seconds: float = 4.0, on: tuple[float, float] = (1.0, 1.5), amplitude: float = 0.5) -> Path:
    """A 1 kHz tone between ``on`` seconds of the file and silence elsewhere, at the mix rate."""
    t = np.arange(int(seconds * MIX_RATE)) / MIX_RATE
    tone = amplitude * np.sin(2 * np.pi * 1000 * t) * ((t >= on[0]) & (t < on[1]))
    sf.write(str(path), tone.astype(np.float32), MIX_RATE, subtype="FLOAT")
    return path


def _add(window, path: Path, start: float, row: int = 0, **fields) -> AudioClip:
    info = sf.info(str(path))
    clip = AudioClip(path=str(path), name=path.stem, start=start, duration=fields.pop("duration", info.duration),
                     **fields)
    push(window.stack, AddAudioClip(window.project.audio.tracks[row], clip))
    return clip


def _at(window, seconds: float, row: int | None = 0) -> QPoint:
    """The viewport point at ``seconds`` in the middle of audio lane ``row`` (None: the prompt track)."""
    view = window.timeline
    y = TRACK_Y + TRACK_H / 2 if row is None else lane_top(row) + LANE_H / 2
    return view.mapFromScene(seconds * view.pps, y)


def _drag(window, points: list[QPoint], modifier=NONE) -> None:
    """Press at the first point, move through the others with the button (and ``modifier``) held, release."""
    viewport = window.timeline.viewport()
    QTest.mousePress(viewport, LEFT, modifier, points[0])
    for point in points[1:]:
        QApplication.sendEvent(viewport, QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(point),
                                                     QPointF(viewport.mapToGlobal(point)), Qt.MouseButton.NoButton,
                                                     LEFT, modifier))
    QTest.mouseRelease(viewport, LEFT, modifier, points[-1])


def _span(clip: AudioClip) -> tuple[float, ...]:
    return tuple(round(v, 4) for v in (clip.start, clip.duration, clip.offset, clip.fade_in, clip.fade_out))


def test_dragging_an_audio_clip_onto_another_lane_is_one_undo_step(window, tmp_path):
    clip = _add(window, _burst(tmp_path / "a.wav"), start=2.0)
    tracks = window.project.audio.tracks
    steps = window.stack.count()
    _drag(window, [_at(window, 3.0), _at(window, 3.6), _at(window, 4.4), _at(window, 5.0, row=1)])
    assert window.project.audio.find_clip(clip.id)[0] is tracks[1]
    assert clip.start == pytest.approx(4.0) and clip.duration == pytest.approx(4.0)   # snapped to 4 s
    assert window.stack.count() == steps + 1 and window.stack.undoText() == "Move audio clip"
    assert window.timeline.lanes.items[clip.id].row == 1
    window.stack.undo()
    assert window.project.audio.find_clip(clip.id)[0] is tracks[0] and clip.start == 2.0
    assert window.timeline.lanes.items[clip.id].row == 0


def test_trimming_either_edge_changes_in_point_and_length_and_keeps_fades_within(window, tmp_path):
    clip = _add(window, _burst(tmp_path / "a.wav", seconds=6.0), start=2.0, fade_in=1.5, fade_out=1.0)

    def edge(seconds: float, inside: float) -> QPoint:
        return window.timeline.mapFromScene(seconds * window.timeline.pps + inside, lane_top(0) + LANE_H / 2)

    steps = window.stack.count()
    _drag(window, [edge(2.0, 2), _at(window, 2.8), _at(window, 3.5)])
    assert _span(clip) == (3.5, 4.5, 1.5, 1.5, 1.0)           # the source stays where it was in time
    _drag(window, [edge(8.0, -2), _at(window, 4.5), _at(window, 6.0)])     # shorter, then longer again
    assert _span(clip) == (3.5, 2.5, 1.5, 1.5, 1.0)           # the fade in was cut, then came back
    assert window.stack.count() == steps + 2 and window.stack.undoText() == "Trim audio clip"
    _drag(window, [edge(6.0, -2), _at(window, 5.0), _at(window, 4.5)])
    assert _span(clip) == (3.5, 1.0, 1.5, 1.0, 1.0)           # no fade longer than the clip
    _drag(window, [edge(3.5, 2), _at(window, 1.0), _at(window, 0.5)])      # not before the source's start
    assert _span(clip) == (2.0, 2.5, 0.0, 1.0, 1.0)
    for _ in range(4):
        window.stack.undo()
    assert _span(clip) == (2.0, 6.0, 0.0, 1.5, 1.0)
    with pytest.raises(PlacementError, match="fade_in.*longer than the clip"):
        push(window.stack, SetField(clip, "fade_in", 7.0))


def test_an_audio_clip_snaps_to_a_video_clip_edge_and_shift_drags_freely(window, tmp_path):
    push(window.stack, AddClips(window.project.prompt_track, [PromptClip(start=0.0, end=3.375, text="x")]))
    clip = _add(window, _burst(tmp_path / "a.wav"), start=6.0)
    _drag(window, [_at(window, 7.0), _at(window, 5.0), _at(window, 4.26)])      # start near 3.26 s
    assert clip.start == pytest.approx(3.375)                  # the prompt clip's end, not the frame 3.25
    window.stack.undo()
    _drag(window, [_at(window, 7.0), _at(window, 5.0), _at(window, 4.26)], Qt.KeyboardModifier.ShiftModifier)
    assert clip.start == pytest.approx(3.25)                   # Shift: only rounded to a frame
    prompt = window.project.prompt_track.clips[0]
    window.timeline.set_playhead(0.0)
    view = window.timeline
    edge = view.mapFromScene(3.375 * view.pps - 2, TRACK_Y + TRACK_H / 2)
    _drag(window, [edge, _at(window, 3.3, row=None)])          # and a prompt clip snaps to the audio clip
    assert prompt.end == pytest.approx(3.25)


def test_split_copy_paste_delete_with_the_keys_keep_the_mix(window, tmp_path):
    clip = _add(window, _burst(tmp_path / "a.wav", on=(0.5, 3.5)), start=1.0, fade_in=0.5, fade_out=0.5)
    before = mix_document(window.project.audio, 6.0)
    QTest.mouseClick(window.timeline.viewport(), LEFT, NONE, _at(window, 2.0))
    assert window.timeline.selected == [clip.id]
    assert window.sound.audio.selected_clip() is clip                    # the Audio tab shows it
    window.timeline.set_playhead(2.5)
    window.timeline.setFocus()
    QTest.keyClick(window.timeline, Qt.Key.Key_S)
    left, right = window.project.audio.tracks[0].clips
    assert _span(left) == (1.0, 1.5, 0.0, 0.5, 0.0) and _span(right) == (2.5, 2.5, 1.5, 0.0, 0.5)
    after = mix_document(window.project.audio, 6.0)
    assert np.abs(after - before).max() < 1e-6                          # a split changes nothing you hear
    window.timeline.set_selection([right.id])
    QTest.keyClick(window.timeline, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    window.timeline.set_playhead(8.0)
    QTest.keyClick(window.timeline, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    pasted = window.project.audio.tracks[0].clips[-1]
    assert _span(pasted) == (8.0, 2.5, 1.5, 0.0, 0.5) and pasted.id not in (left.id, right.id)
    QTest.keyClick(window.timeline, Qt.Key.Key_Delete)
    assert len(window.project.audio.tracks[0]) == 2
    QTest.keyClick(window.timeline, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.project.audio.tracks[0]) == 3


def test_one_time_axis_zoom_and_scroll_move_video_and_sound_together(window, tmp_path):
    window.timeline.add_clip(2.0, "a red square")
    clip = _add(window, _burst(tmp_path / "a.wav"), start=2.0)
    view = window.timeline
    prompt_item, audio_item = next(iter(view.items.values())), view.lanes.items[clip.id]
    viewport = view.viewport()
    point = _at(window, 3.0)
    QApplication.sendEvent(viewport, QWheelEvent(point, viewport.mapToGlobal(point), QPoint(), QPoint(0, 120),
                                                 Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                                                 Qt.ScrollPhase.NoScrollPhase, False))
    assert view.pps == pytest.approx(60.0)                   # zoomed over the audio lane
    for item, start, length in ((prompt_item, 2.0, 4.0), (audio_item, 2.0, 4.0)):
        assert item.pos().x() == pytest.approx(start * view.pps)
        assert item.boundingRect().width() == pytest.approx(length * view.pps)
    assert view.mapFromScene(3.0 * view.pps, 0).x() == pytest.approx(point.x(), abs=1)   # the anchor stays put
    view.horizontalScrollBar().setValue(120)
    assert view.mapFromScene(audio_item.pos()).x() == view.mapFromScene(prompt_item.pos()).x()
    view.set_playhead(5.0)
    assert window.sound.audio.playhead == 5.0 and window.sound.spatial.playhead == 5.0


def test_mix_follows_trims_and_moves_to_the_sample(window, tmp_path):
    clip = _add(window, _burst(tmp_path / "a.wav", on=(1.0, 1.5)), start=2.0, gain_db=-6.0)
    view = window.timeline
    left_edge = view.mapFromScene(2.0 * view.pps + 2, lane_top(0) + LANE_H / 2)
    _drag(window, [left_edge, _at(window, 2.5), _at(window, 2.75)])          # in-point 0.75 s
    _drag(window, [_at(window, 4.0), _at(window, 4.6), _at(window, 5.25)])   # then 1.25 s later
    assert _span(clip) == (4.0, 3.25, 0.75, 0.0, 0.0)
    mix = mix_document(window.project.audio, 8.0)
    sounding = np.flatnonzero(np.abs(mix[:, 0]) > 1e-4)
    # the burst is 1.0-1.5 s into the source: 0.25-0.75 s after the in-point, so 4.25-4.75 s on the timeline
    assert sounding[0] == pytest.approx(4.25 * MIX_RATE, abs=2) and sounding[-1] == pytest.approx(4.75 * MIX_RATE, abs=2)
    burst = mix[int(4.3 * MIX_RATE):int(4.7 * MIX_RATE), 0]
    assert np.sqrt(np.mean(burst ** 2)) == pytest.approx(0.5 * 10 ** (-6 / 20) / np.sqrt(2), rel=0.01)
    push(window.stack, SetField(clip, "fade_out", 0.5))      # a fade over the clip's last 0.5 s: 6.75-7.25 s
    quiet = mix_document(window.project.audio, 8.0)
    assert np.array_equal(quiet[: int(6.7 * MIX_RATE)], mix[: int(6.7 * MIX_RATE)])


def test_long_waveforms_are_read_and_drawn_without_stalling_the_event_loop(qtbot, window, tmp_path):
    rate, minutes = 16000, 30
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, rate * 60 * minutes).astype(np.float32)
    sf.write(str(tmp_path / "long.wav"), noise, rate, subtype="PCM_16")
    view, added = window.timeline, []
    with LoopMonitor() as monitor:            # all the work below happens in turns of the event loop
        with qtbot.waitSignal(view.lanes.overviews.ready, timeout=60_000):
            QTimer.singleShot(0, lambda: added.append(_add(window, tmp_path / "long.wav", start=0.0)))
        for pps in (4.0, 20.0, 300.0, 2000.0):
            view.set_zoom(pps, 0.0)
            view.horizontalScrollBar().setValue(int(view.horizontalScrollBar().maximum() * 0.6))
            run_until(lambda: False, 0.1)
    assert added[0].duration == pytest.approx(60 * minutes)
    assert isinstance(view.lanes.overviews.get(added[0].path), Overview)
    assert monitor.worst_busy_s < 0.05, f"the UI thread was busy {monitor.worst_busy_s * 1000:.0f} ms in one turn"
