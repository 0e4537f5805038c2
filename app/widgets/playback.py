"""Playing and recording sound through ``sounddevice`` (PortAudio), and a level meter.

``output_problem()`` / ``input_problem()`` say why sound cannot be played or recorded here (no PortAudio,
no device: a server, CI) or ``None``; the studio shows that sentence and everything else keeps working.
``AudioPlayer`` plays an array from a position; its ``position`` signal (30 per second) drives the
playhead, and the meter follows the playhead, so sound, picture and meter stay together. ``switch``
goes on with other samples from the same moment (an A/B comparison): where playback is lives in a
``PlaybackCursor``, which the stream's callback reads and which works (and is tested) without a device.
``Recorder`` records from the default input into a WAV file (written atomically) that becomes a new clip.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

try:
    import sounddevice as sd
    _IMPORT_ERROR = ""
except OSError as exc:      # PortAudio library missing
    sd = None
    _IMPORT_ERROR = str(exc)


def _device_problem(kind: str) -> str | None:
    if sd is None:
        return f"no sound: the PortAudio library is missing ({_IMPORT_ERROR}); install libportaudio2"
    try:
        sd.query_devices(kind=kind)
    except (sd.PortAudioError, ValueError) as exc:
        what, off = ("output", "playback") if kind == "output" else ("input", "recording")
        return f"no audio {what} device on this machine ({exc}); {off} is off, everything else works"
    return None


def output_problem() -> str | None:
    """Why sound cannot be played here, or ``None`` when a default output device exists."""
    return _device_problem("output")


def input_problem() -> str | None:
    """Why sound cannot be recorded here, or ``None`` when a default input device exists."""
    return _device_problem("input")


def read_for_playback(source: str | os.PathLike[str] | BinaryIO) -> tuple[np.ndarray, int]:
    """The samples of an audio file (a path or a file object) as the player takes them: float32
    (frames, channels), and the rate."""
    samples, rate = sf.read(source, dtype="float32", always_2d=True)
    return samples, rate


class PlaybackCursor:
    """Samples and where playback is in them, shared by the stream's callback (``read``) and the UI
    thread (``position_s``, ``swap``) under a lock."""

    def __init__(self, samples: np.ndarray, rate: int, start_s: float = 0.0):
        self.samples = np.ascontiguousarray(samples, np.float32)
        self.rate = rate
        self._frame = min(max(0, round(start_s * rate)), len(self.samples))
        self._lock = threading.Lock()

    @property
    def channels(self) -> int:
        return self.samples.shape[1]

    @property
    def position_s(self) -> float:
        with self._lock:
            return self._frame / self.rate

    def read(self, out: np.ndarray) -> bool:
        """Fill ``out`` (frames, channels) with the next samples (silence past the end); False once the
        end is reached."""
        with self._lock:
            chunk = self.samples[self._frame:self._frame + len(out)]
            self._frame += len(chunk)
        out[:len(chunk)] = chunk
        out[len(chunk):] = 0
        return len(chunk) == len(out)

    def swap(self, samples: np.ndarray, rate: int) -> None:
        """Go on with ``samples`` (at ``rate``) from the same moment in seconds."""
        samples = np.ascontiguousarray(samples, np.float32)
        with self._lock:
            seconds = self._frame / self.rate
            self.samples, self.rate = samples, rate
            self._frame = min(round(seconds * rate), len(samples))


class AudioPlayer(QObject):
    """Plays a float32 (frames, channels) array through the default output device; ``label`` says what
    is playing ("" when nothing is), so a panel knows whether the sound is its own."""

    position = Signal(float)     # seconds, while playing
    finished = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._stream = None
        self._cursor: PlaybackCursor | None = None
        self.label = ""
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        return self._stream is not None

    @property
    def position_s(self) -> float:
        """Where playback is (or stopped), in seconds of what was played."""
        return self._cursor.position_s if self._cursor is not None else 0.0

    def play(self, samples: np.ndarray, rate: int, start_s: float = 0.0, label: str = "") -> None:
        """Start playing ``samples`` from ``start_s``; raises ``RuntimeError`` with the reason if it cannot."""
        problem = output_problem()
        if problem:
            raise RuntimeError(problem)
        self.stop()
        self._cursor = PlaybackCursor(samples, rate, start_s)
        self.label = label
        self._stream = sd.OutputStream(samplerate=rate, channels=self._cursor.channels, dtype="float32",
                                       callback=self._callback)
        self._stream.start()
        self._timer.start()

    def switch(self, samples: np.ndarray, rate: int, label: str = "") -> None:
        """Go on playing ``samples`` from the moment playback is at (A/B): in the running stream when the
        rate and channels match, so there is no gap, else in a new stream; from 0 when nothing plays."""
        cursor = self._cursor
        if not self.playing or cursor is None:
            self.play(samples, rate, 0.0, label)
        elif rate == cursor.rate and samples.shape[1] == cursor.channels:
            cursor.swap(samples, rate)
            self.label = label
        else:
            self.play(samples, rate, cursor.position_s, label)

    def _callback(self, out: np.ndarray, _frames: int, _time, _status) -> None:
        if not self._cursor.read(out):
            raise sd.CallbackStop

    def _tick(self) -> None:
        self.position.emit(self.position_s)
        if self._stream is not None and not self._stream.active:
            self.stop()
            self.finished.emit()

    def stop(self) -> None:
        self._timer.stop()
        self.label = ""
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None


class Recorder(QObject):
    """Records the default input device; ``stop`` writes the take to a WAV file."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._stream = None
        self._blocks: list[np.ndarray] = []
        self.rate = 48000

    @property
    def recording(self) -> bool:
        return self._stream is not None

    def start(self, rate: int = 48000, channels: int = 1) -> None:
        problem = input_problem()
        if problem:
            raise RuntimeError(problem)
        self.rate, self._blocks = rate, []
        self._stream = sd.InputStream(samplerate=rate, channels=channels, dtype="float32",
                                      callback=lambda data, *_a: self._blocks.append(data.copy()))
        self._stream.start()

    def stop(self, path: Path) -> Path:
        """End the take and write it to ``path`` (atomically); returns ``path``."""
        if self._stream is None:
            raise RuntimeError("not recording")
        self._stream.stop()
        self._stream.close()
        self._stream = None
        take = np.concatenate(self._blocks) if self._blocks else np.zeros((1, 1), np.float32)
        return write_wav_atomic(path, take, self.rate)


def write_wav_atomic(path: Path, samples: np.ndarray, rate: int) -> Path:
    """Write a WAV file through a temp file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".wav", dir=path.parent)
    os.close(fd)
    try:
        sf.write(tmp, samples, rate, subtype="PCM_24")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class LevelMeter(QWidget):
    """A peak meter per channel (dBFS, -60..0) with green/amber/red zones."""

    FLOOR_DB = -60.0

    def __init__(self, channels: int = 2, parent: QWidget | None = None):
        super().__init__(parent)
        self.levels = [self.FLOOR_DB] * channels
        self.setMinimumSize(14 * channels, 60)

    def set_levels(self, levels: list[float]) -> None:
        self.levels = [max(self.FLOOR_DB, min(0.0, v)) for v in levels]
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#15171c"))
        n = len(self.levels)
        w = (self.width() - 2 * (n + 1)) / n
        grad = QLinearGradient(0, self.height(), 0, 0)
        grad.setColorAt(0.0, QColor("#2fbf71"))
        grad.setColorAt(0.75, QColor("#e3c341"))
        grad.setColorAt(1.0, QColor("#e5484d"))
        for i, level in enumerate(self.levels):
            frac = (level - self.FLOOR_DB) / -self.FLOOR_DB
            h = frac * (self.height() - 4)
            p.fillRect(QRectF(2 + i * (w + 2), self.height() - 2 - h, w, h), grad)
        p.setPen(QColor("#555"))
        for db in (-6, -18, -40):
            y = self.height() - 2 - (db - self.FLOOR_DB) / -self.FLOOR_DB * (self.height() - 4)
            p.drawLine(0, int(y), 3, int(y))
        p.setPen(Qt.PenStyle.NoPen)
        p.end()
