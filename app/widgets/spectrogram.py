"""A spectrogram of the selected audio clip (pyqtgraph image, dB colour scale, log-spaced rows)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import soundfile as sf
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from scipy.signal import spectrogram as stft_power

from app.widgets.plots import plot_widget

MAX_SECONDS = 120.0
ROWS = 160


def log_spectrogram(samples: np.ndarray, rate: int, rows: int = ROWS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, log-spaced frequencies, power in dB [time, freq]) of a mono signal."""
    nper = 1024 if rate >= 32000 else 512
    freqs, times, power = stft_power(samples, rate, nperseg=nper, noverlap=nper // 2, scaling="spectrum")
    grid = np.geomspace(40.0, rate / 2, rows)
    resampled = np.stack([np.interp(grid, freqs, column) for column in power.T])
    return times, grid, 10 * np.log10(np.maximum(resampled, 1e-12))


class SpectrogramView(QWidget):
    """Shows the spectrogram of one file (the first ``MAX_SECONDS``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel("Spectrogram: select an audio clip")
        self.plot = plot_widget()
        self.plot.setLabel("bottom", "time (s)")
        self.plot.setLabel("left", "frequency (Hz, log)")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setXRange(0, 10)
        self.plot.setYRange(0, ROWS)
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("inferno"))
        self.plot.addItem(self.image)
        self.plot.getAxis("left").setTicks([[]])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot)
        self.power_db: np.ndarray | None = None

    def show_file(self, path: Path | str, name: str = "") -> None:
        info = sf.info(str(path))
        frames = min(info.frames, int(MAX_SECONDS * info.samplerate))
        data, rate = sf.read(str(path), frames=frames, dtype="float32", always_2d=True)
        times, grid, power = log_spectrogram(data.mean(axis=1), rate)
        self.power_db = power
        top = float(power.max())
        self.image.setImage(power, levels=(top - 80, top))
        span = float(times[-1] + (times[1] - times[0]) / 2) if len(times) > 1 else frames / rate
        self.image.setRect(0, 0, span, ROWS)
        self.plot.setXRange(0, span, padding=0)
        ticks = [(float(np.argmin(np.abs(grid - f))), label) for f, label in
                 ((100, "100"), (1000, "1k"), (4000, "4k"), (16000, "16k")) if f < rate / 2]
        self.plot.getAxis("left").setTicks([ticks])
        part = f", first {MAX_SECONDS:g} s" if info.frames > frames else ""
        self.title.setText(f"Spectrogram: {name or Path(path).name} ({rate} Hz, {info.channels} ch{part})")
