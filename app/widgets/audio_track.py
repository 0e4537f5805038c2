"""The Audio tab of the Sound dock: transport (play, stop, record), a level meter, the selected audio
clip's gain and fades, and its spectrogram. The clips themselves are lanes of the timeline
(``app.widgets.audio_lanes``), where they are selected, moved, trimmed and split.

The playhead is the studio's: the sound studio moves this panel's with the timeline's, and while the
sound leads playback ``playhead_moved`` moves the timeline's. The meter shows the mix at the playhead,
so during playback it moves with the sound and when scrubbing it shows what is under the playhead.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.audio_timeline import MIX_RATE, level_dbfs, mix_document
from app.project.audio import AudioClip, AudioDocument
from app.project.audio_commands import AddAudioClip, RemoveAudioClip, SetField
from app.project.commands import push
from app.project.model import PlacementError
from app.widgets.playback import AudioPlayer, LevelMeter, Recorder, input_problem, output_problem
from app.widgets.spectrogram import SpectrogramView


class AudioPanel(QWidget):
    """Transport, meter and device status over the tracks view, the spectrogram beside it."""

    playhead_moved = Signal(float)
    message = Signal(str)

    def __init__(self, stack: QUndoStack, recordings_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.stack = stack
        self.recordings_dir = Path(recordings_dir)
        self.doc: AudioDocument | None = None
        self.selected: str | None = None
        self.playhead = 0.0
        self.mix = np.zeros((1, 2), np.float32)
        self._mix_dirty = True
        self._leading = True
        self.spectrogram = SpectrogramView()
        self.meter = LevelMeter(2)
        self.player = AudioPlayer(self)
        self.recorder = Recorder(self)
        self.play_button = QPushButton("Play")
        self.stop_button = QPushButton("Stop")
        self.record_button = QPushButton("Record")
        self.clip_label = QLabel("no clip selected")
        self.gain = self._spin(-80.0, 40.0, " dB", "gain_db")
        self.fade_in = self._spin(0.0, 600.0, " s fade in", "fade_in")
        self.fade_out = self._spin(0.0, 600.0, " s fade out", "fade_out")
        self.delete_button = QPushButton("Delete clip")
        self.delete_button.clicked.connect(self.delete_selected)
        self.device_label = QLabel()
        self.device_label.setWordWrap(True)
        out_problem, in_problem = output_problem(), input_problem()
        self.device_label.setText(out_problem or in_problem or "audio devices ready")
        self.play_button.setEnabled(out_problem is None)
        self.record_button.setEnabled(in_problem is None)
        self.play_button.setToolTip(out_problem or "play the audio tracks from the playhead")
        self.record_button.setToolTip(in_problem or "record the sound of the place into a new clip")
        self.play_button.clicked.connect(lambda: self.play())
        self.stop_button.clicked.connect(self.stop)
        self.record_button.clicked.connect(self.toggle_record)
        self.player.position.connect(self._on_position)

        bar = QHBoxLayout()
        for button in (self.play_button, self.stop_button, self.record_button):
            bar.addWidget(button)
        bar.addWidget(self.device_label, 1)
        controls = QVBoxLayout()
        controls.addLayout(bar)
        clip_bar = QHBoxLayout()
        for widget in (self.clip_label, self.gain, self.fade_in, self.fade_out, self.delete_button):
            clip_bar.addWidget(widget)
        clip_bar.addStretch(1)
        controls.addLayout(clip_bar)
        self._show_clip(None)
        hint = QLabel("Audio clips are lanes of the timeline: drag to move (onto another lane too), drag an edge "
                      "to trim, S splits, Ctrl+C / Ctrl+V copy and paste, Delete removes; Shift drags freely.")
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        controls.addWidget(hint)
        controls.addStretch(1)
        left = QWidget()
        left_layout = QHBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(controls, 1)
        left_layout.addWidget(self.meter)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.spectrogram)
        split.setSizes([560, 440])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

    def set_document(self, doc: AudioDocument) -> None:
        if self.doc is not None:
            self.doc.changed.disconnect(self._invalidate)
        self.doc = doc
        doc.changed.connect(self._invalidate)
        self._mix_dirty = True
        self.select(None)

    def _invalidate(self) -> None:
        self._mix_dirty = True
        clip = self.selected_clip()
        if clip is None and self.selected is not None:
            self.select(None)
        elif clip is not None:
            self._show_clip(clip)

    def current_mix(self) -> np.ndarray:
        if self._mix_dirty and self.doc is not None:
            self.mix = mix_document(self.doc)
            self._mix_dirty = False
        return self.mix

    def set_playhead(self, seconds: float) -> None:
        """The studio's playhead moved (timeline, preview player): follow it."""
        self.playhead = seconds
        self.meter.set_levels(level_dbfs(self.current_mix(), seconds))

    def _on_position(self, seconds: float) -> None:
        self.set_playhead(seconds)
        if self._leading:
            self.playhead_moved.emit(seconds)

    def play(self, lead: bool = True) -> None:
        """Play the tracks from the playhead; ``lead``: the sound moves the studio's playhead (False when
        the video preview plays and leads)."""
        self._leading = lead
        try:
            self.player.play(self.current_mix(), MIX_RATE, self.playhead)
        except RuntimeError as exc:
            self.message.emit(str(exc))

    def stop(self) -> None:
        self.player.stop()

    def toggle_record(self) -> None:
        """Start recording, or end the take and put it on a new clip at the playhead (one undo step)."""
        if self.doc is None:
            return
        try:
            if not self.recorder.recording:
                self.recorder.start()
                self.record_button.setText("Stop recording")
                return
            path = self.recorder.stop(self.recordings_dir / f"recording-{time.strftime('%Y%m%d-%H%M%S')}.wav")
        except RuntimeError as exc:
            self.message.emit(str(exc))
            return
        self.record_button.setText("Record")
        self.add_file(path, self.doc.tracks[0].name, kind="recording", start=self.playhead)

    def add_file(self, path: Path | str, track_name: str, kind: str = "file", start: float = 0.0,
                 gain_db: float = 0.0, name: str = "") -> AudioClip:
        """Put a sound file on the named track as one undo step; returns the new clip."""
        info = sf.info(str(path))
        clip = AudioClip(path=str(path), name=name or Path(path).stem, kind=kind, start=start,
                         duration=info.frames / info.samplerate, gain_db=gain_db)
        push(self.stack, AddAudioClip(self.doc.track(track_name), clip, f"Add {clip.name}"))
        return clip

    def _spin(self, low: float, high: float, suffix: str, field: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(low, high)
        spin.setDecimals(1)
        spin.setSuffix(suffix)
        spin.setKeyboardTracking(False)
        spin.valueChanged.connect(lambda value: self.set_clip_field(field, value))
        return spin

    def selected_clip(self) -> AudioClip | None:
        if self.doc is None or not self.selected:
            return None
        try:
            return self.doc.find_clip(self.selected)[1]
        except KeyError:
            return None

    def select(self, clip_id: str | None) -> None:
        """Show the clip ``clip_id`` (selected on the timeline): its gain, fades and spectrogram."""
        self.selected = clip_id
        clip = self.selected_clip()
        self._show_clip(clip)
        if clip is not None:
            self.spectrogram.show_file(clip.path, clip.name)

    def set_clip_field(self, field: str, value: float) -> None:
        """Change the selected clip's gain or fades (one undo step per field while editing)."""
        clip = self.selected_clip()
        if clip is None or getattr(clip, field) == value:
            return
        try:
            push(self.stack, SetField(clip, field, value))
        except PlacementError as exc:
            self.message.emit(str(exc))

    def delete_selected(self) -> None:
        clip = self.selected_clip()
        if clip is not None:
            track, _ = self.doc.find_clip(clip.id)
            push(self.stack, RemoveAudioClip(track, clip))
            self.select(None)

    def _show_clip(self, clip: AudioClip | None) -> None:
        for widget in (self.gain, self.fade_in, self.fade_out, self.delete_button):
            widget.setEnabled(clip is not None)
        if clip is None:
            self.clip_label.setText("no clip selected")
            return
        self.clip_label.setText(f"{clip.name} ({clip.kind}, {clip.duration:.1f} s from {clip.offset:.1f} s)")
        for spin, value in ((self.gain, clip.gain_db), (self.fade_in, clip.fade_in), (self.fade_out, clip.fade_out)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    def shutdown(self) -> None:
        self.player.stop()
