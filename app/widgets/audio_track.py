"""The audio tracks under the video timeline: clips with their waveforms, a shared playhead, transport
(play, stop, record), a level meter and the spectrogram of the selected clip.

Waveforms are drawn from cached overviews (``app.waveform``). The playhead is the studio's: the main
window ties ``playhead_moved`` to the video timeline and back. The meter shows the mix at the playhead,
so during playback it moves with the sound and when scrubbing it shows what is under the playhead.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import soundfile as sf
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QUndoStack
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
from app.waveform import overview
from app.widgets.playback import AudioPlayer, LevelMeter, Recorder, input_problem, output_problem
from app.widgets.plots import own_menus
from app.widgets.spectrogram import SpectrogramView

KIND_COLOURS = {"file": "#4aa3df", "masker": "#2fbf71", "recording": "#e5484d", "render": "#b07cf0"}
ROW = 1.0


class AudioTracksView(pg.PlotWidget):
    """Tracks as rows (top first), clips as boxes with their waveform; a draggable playhead."""

    playhead_moved = Signal(float)
    clip_selected = Signal(str)

    def __init__(self, cache_dir: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.cache_dir = cache_dir
        self.doc: AudioDocument | None = None
        self.selected: str | None = None
        self._boxes: list[tuple[AudioClip, float]] = []   # clip, row top
        own_menus(self)
        self.setMouseEnabled(x=True, y=False)
        self.hideButtons()
        self.setLabel("bottom", "time", units="s")
        self.playhead = pg.InfiniteLine(0.0, angle=90, movable=True, pen=pg.mkPen("#ff6b3d", width=2))
        self.playhead.sigPositionChanged.connect(lambda line: self.playhead_moved.emit(max(0.0, line.value())))
        self.scene().sigMouseClicked.connect(self._clicked)

    def set_document(self, doc: AudioDocument) -> None:
        if self.doc is not None:
            self.doc.changed.disconnect(self.rebuild)
        self.doc = doc
        doc.changed.connect(self.rebuild)
        self.rebuild()

    def set_playhead(self, seconds: float) -> None:
        self.playhead.blockSignals(True)
        self.playhead.setValue(seconds)
        self.playhead.blockSignals(False)

    def rebuild(self) -> None:
        self.clear()
        self._boxes = []
        if self.doc is None:
            return
        ticks = []
        for row, track in enumerate(self.doc.tracks):
            top = -row * ROW
            ticks.append((top - ROW / 2, track.name))
            self.addItem(pg.PlotCurveItem([0, 1e6], [top - ROW, top - ROW], pen=pg.mkPen("#2a2d34")))
            for clip in track:
                self._draw_clip(clip, top)
        self.getAxis("left").setTicks([ticks])
        self.getAxis("left").setWidth(80)
        self.addItem(self.playhead)
        rows = max(1, len(self.doc.tracks))
        self.setYRange(-rows * ROW, 0, padding=0.02)
        self.setXRange(0, max(4.0, self.doc.content_end * 1.05), padding=0)

    def _draw_clip(self, clip: AudioClip, top: float) -> None:
        colour = QColor(KIND_COLOURS[clip.kind])
        selected = clip.id == self.selected
        box = pg.QtWidgets.QGraphicsRectItem(clip.start, top - ROW + 0.06, clip.duration, ROW - 0.12)
        fill = QColor(colour)
        fill.setAlpha(110 if selected else 55)
        box.setBrush(fill)
        box.setPen(pg.mkPen("#ffffff" if selected else colour, width=2 if selected else 1))
        self.addItem(box)
        self._boxes.append((clip, top))
        ov = overview(clip.path, self.cache_dir)
        n = max(1, int(clip.duration * ov.buckets_per_s))
        reps = -(-n // len(ov.maxima))
        scale = 10 ** (clip.gain_db / 20) * (ROW * 0.42)
        mid = top - ROW / 2
        x = clip.start + np.arange(n) / ov.buckets_per_s
        upper = pg.PlotCurveItem(x, mid + np.tile(ov.maxima, reps)[:n] * scale, pen=pg.mkPen(colour.lighter(150)))
        lower = pg.PlotCurveItem(x, mid + np.tile(ov.minima, reps)[:n] * scale, pen=pg.mkPen(colour.lighter(150)))
        self.addItem(upper)
        self.addItem(lower)
        self.addItem(pg.FillBetweenItem(upper, lower, brush=colour.lighter(130)))
        label = pg.TextItem(f"{clip.name or Path(clip.path).stem}  {clip.gain_db:+.1f} dB", color="#e8e8e8",
                            anchor=(0, 0))
        label.setPos(clip.start + 0.05, top - 0.04)
        self.addItem(label)

    def clip_at(self, seconds: float, y: float) -> AudioClip | None:
        for clip, top in self._boxes:
            if clip.start <= seconds < clip.end and top - ROW < y <= top:
                return clip
        return None

    def _clicked(self, event) -> None:
        point: QPointF = self.plotItem.vb.mapSceneToView(event.scenePos())
        clip = self.clip_at(point.x(), point.y())
        if clip is not None:
            self.select(clip.id)

    def select(self, clip_id: str | None) -> None:
        self.selected = clip_id
        self.rebuild()
        if clip_id:
            self.clip_selected.emit(clip_id)


class AudioPanel(QWidget):
    """Transport, meter and device status over the tracks view, the spectrogram beside it."""

    playhead_moved = Signal(float)
    message = Signal(str)

    def __init__(self, stack: QUndoStack, cache_dir: Path | None, recordings_dir: Path,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.stack = stack
        self.recordings_dir = Path(recordings_dir)
        self.doc: AudioDocument | None = None
        self.mix = np.zeros((1, 2), np.float32)
        self._mix_dirty = True
        self._leading = True
        self.view = AudioTracksView(cache_dir)
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
        self.view.playhead_moved.connect(self._on_scrub)
        self.view.clip_selected.connect(self._show_spectrogram)

        bar = QHBoxLayout()
        for button in (self.play_button, self.stop_button, self.record_button):
            bar.addWidget(button)
        bar.addWidget(self.device_label, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(bar)
        clip_bar = QHBoxLayout()
        for widget in (self.clip_label, self.gain, self.fade_in, self.fade_out, self.delete_button):
            clip_bar.addWidget(widget)
        clip_bar.addStretch(1)
        left_layout.addLayout(clip_bar)
        self._show_clip(None)
        rows = QHBoxLayout()
        rows.addWidget(self.view, 1)
        rows.addWidget(self.meter)
        left_layout.addLayout(rows)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.spectrogram)
        split.setSizes([700, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

    def set_document(self, doc: AudioDocument) -> None:
        if self.doc is not None:
            self.doc.changed.disconnect(self._invalidate)
        self.doc = doc
        doc.changed.connect(self._invalidate)
        self._mix_dirty = True
        self.view.set_document(doc)

    def _invalidate(self) -> None:
        self._mix_dirty = True

    def current_mix(self) -> np.ndarray:
        if self._mix_dirty and self.doc is not None:
            self.mix = mix_document(self.doc)
            self._mix_dirty = False
        return self.mix

    def set_playhead(self, seconds: float) -> None:
        """The studio's playhead moved (video timeline, preview player): follow it."""
        self.view.set_playhead(seconds)
        self.meter.set_levels(level_dbfs(self.current_mix(), seconds))

    def _on_scrub(self, seconds: float) -> None:
        self.meter.set_levels(level_dbfs(self.current_mix(), seconds))
        self.playhead_moved.emit(seconds)

    def _on_position(self, seconds: float) -> None:
        self.set_playhead(seconds)
        if self._leading:
            self.playhead_moved.emit(seconds)

    def play(self, lead: bool = True) -> None:
        """Play the tracks from the playhead; ``lead``: the sound moves the studio's playhead (False when
        the video preview plays and leads)."""
        self._leading = lead
        try:
            self.player.play(self.current_mix(), MIX_RATE, self.view.playhead.value())
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
        self.add_file(path, self.doc.tracks[0].name, kind="recording", start=self.view.playhead.value())

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
        if self.doc is None or not self.view.selected:
            return None
        try:
            return self.doc.find_clip(self.view.selected)[1]
        except KeyError:
            return None

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
            self.view.select(None)
            self._show_clip(None)

    def _show_clip(self, clip: AudioClip | None) -> None:
        for widget in (self.gain, self.fade_in, self.fade_out, self.delete_button):
            widget.setEnabled(clip is not None)
        if clip is None:
            self.clip_label.setText("no clip selected")
            return
        self.clip_label.setText(f"{clip.name} ({clip.kind}, {clip.duration:.1f} s)")
        for spin, value in ((self.gain, clip.gain_db), (self.fade_in, clip.fade_in), (self.fade_out, clip.fade_out)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    def _show_spectrogram(self, clip_id: str) -> None:
        _, clip = self.doc.find_clip(clip_id)
        self._show_clip(clip)
        self.spectrogram.show_file(clip.path, clip.name)

    def shutdown(self) -> None:
        self.player.stop()
