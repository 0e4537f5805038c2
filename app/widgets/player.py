"""The preview player: shows the frame under the playhead, plays at the project's fps in step with the
timeline, and shows the engine's live preview frames while a generation runs."""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from app.project.snap import frame_of
from app.theme import Colors, icon
from app.widgets.generation import GenerationState
from app.widgets.timeline import format_time


class FrameCanvas(QWidget):
    """Draws one image letterboxed on black, with a small badge."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.badge = ""
        self.placeholder = "No video yet: lay prompts on the timeline and press Generate (Ctrl+Enter)"
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_image(self, image: QImage | None, badge: str = "") -> None:
        self.image, self.badge = image, badge
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#0a0c10"))
        if self.image is None or self.image.isNull():
            painter.setPen(Colors.dim)
            painter.drawText(self.rect().adjusted(20, 0, -20, 0), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.placeholder)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        w, h = self.width(), self.height()
        scale = min(w / self.image.width(), h / self.image.height())
        tw, th = self.image.width() * scale, self.image.height() * scale
        painter.drawImage(QRectF((w - tw) / 2, (h - th) / 2, tw, th), self.image, QRectF(self.image.rect()))
        if self.badge:
            font = QFont(self.font())
            font.setBold(True)
            font.setPointSizeF(8.5)
            painter.setFont(font)
            box = QRectF(12, 12, painter.fontMetrics().horizontalAdvance(self.badge) + 16, 20)
            painter.fillRect(box, QColor(229, 83, 75, 220) if self.badge.startswith("LIVE") else QColor(0, 0, 0, 150))
            painter.setPen(QColor("white"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.badge)


class PreviewPlayer(QWidget):
    seek_requested = Signal(float)      # seconds; the main window moves the timeline's playhead
    playing_changed = Signal(bool)

    def __init__(self, generation: GenerationState, parent: QWidget | None = None):
        super().__init__(parent)
        self.generation = generation
        self.fps = 8.0
        self.duration = 10.0
        self.position = 0.0
        self.live = True
        self._play_started = (0.0, 0.0)     # (wall clock, position) when play began
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self.canvas = FrameCanvas()
        self.play_button = self._button("play", "Play / pause (Space)", self.toggle_play)
        self.timecode = QLabel("0:00:00")
        self.timecode.setObjectName("timecode")
        self.total = QLabel("/ 0:00:00")
        self.total.setObjectName("hint")
        self.frame_label = QLabel("frame 0")
        self.frame_label.setObjectName("hint")
        self.live_button = QToolButton()
        self.live_button.setText("Live preview")
        self.live_button.setCheckable(True)
        self.live_button.setChecked(True)
        self.live_button.toggled.connect(self._set_live)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        bar.addWidget(self._button("to-start", "Go to start (Home)", lambda: self.seek_requested.emit(0.0)))
        bar.addWidget(self._button("step-back", "Previous frame (Left)", lambda: self.step(-1)))
        bar.addWidget(self.play_button)
        bar.addWidget(self._button("step-forward", "Next frame (Right)", lambda: self.step(1)))
        bar.addSpacing(10)
        bar.addWidget(self.timecode)
        bar.addWidget(self.total)
        bar.addSpacing(10)
        bar.addWidget(self.frame_label)
        bar.addStretch(1)
        bar.addWidget(self.live_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(bar)
        generation.live_preview.connect(self._on_live_preview)
        generation.frame_ready.connect(self._on_frame_ready)
        generation.changed.connect(self._refresh)

    def _button(self, name: str, tip: str, slot) -> QToolButton:
        button = QToolButton()
        button.setIcon(icon(name))
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def set_timing(self, fps: float, duration: float) -> None:
        self.fps, self.duration = float(fps), float(duration)
        self.total.setText(f"/ {format_time(duration, fps)}")
        self._refresh()

    def show_time(self, seconds: float) -> None:
        """The playhead moved (by the timeline, or by playback)."""
        self.position = seconds
        self.timecode.setText(format_time(seconds, self.fps))
        self.frame_label.setText(f"frame {frame_of(seconds, self.fps)}")
        self._refresh()

    def _set_live(self, live: bool) -> None:
        self.live = live
        self._refresh()

    def _refresh(self) -> None:
        gen = self.generation
        frame = frame_of(self.position, self.fps)
        image = gen.frames.get(frame)
        if image is None and self.live and gen.running and gen.latest_preview is not None and not self.playing:
            block = gen.block_of(frame)
            label = f"LIVE · block {block.index + 1}/{len(gen.blocks)}" if block else "LIVE"
            self.canvas.show_image(gen.latest_preview, label)
            return
        self.canvas.show_image(image)

    def _on_live_preview(self, _image: QImage) -> None:
        if self.live and not self.playing:
            self._refresh()

    def _on_frame_ready(self, index: int) -> None:
        if index == frame_of(self.position, self.fps):
            self._refresh()

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self.position >= self.duration - 1 / self.fps:
            self.seek_requested.emit(0.0)
        self._play_started = (time.perf_counter(), self.position)
        self._timer.start(max(5, int(500 / self.fps)))
        self.play_button.setIcon(icon("pause"))
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.play_button.setIcon(icon("play"))
            self.playing_changed.emit(False)
            self._refresh()

    def _tick(self) -> None:
        wall, start = self._play_started
        seconds = start + (time.perf_counter() - wall)
        if seconds >= self.duration:
            self.seek_requested.emit(max(0.0, self.duration - 1 / self.fps))
            self.pause()
            return
        seconds = frame_of(seconds, self.fps) / self.fps
        if seconds != self.position:
            self.seek_requested.emit(seconds)

    def step(self, frames: int) -> None:
        self.pause()
        frame = max(0, frame_of(self.position, self.fps) + frames)
        self.seek_requested.emit(min(frame / self.fps, self.duration))
