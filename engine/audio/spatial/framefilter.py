"""Time-varying filtering without clicks: overlap-add of windowed frames, each filtered exactly.

The input is cut into frames of two hops under a periodic Hann window (frames at 50 % overlap sum to
exactly one), each frame is zero-padded to hold its full linear convolution with a filter of ``taps``
samples, multiplied in the frequency domain by that frame's filter, and the results are overlap-added.
For a fixed filter this is exact convolution; when the filter changes from frame to frame, the window
crossfades between the filtered signals over two hops, so a moving source glides instead of clicking.
Frame ``f`` is centred on sample ``f * hop``; sources are summed in the frequency domain, so each output
channel needs one inverse FFT per frame however many sources there are.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft as sfft


class FrameFilter:
    """Streaming frame-wise filtering for several sources into ``channels`` outputs."""

    def __init__(self, hop: int, taps: int, channels: int):
        self.hop = int(hop)
        self.nfft = sfft.next_fast_len(2 * self.hop + int(taps) - 1, real=True)
        self.bins = self.nfft // 2 + 1
        self.channels = channels
        n = np.arange(2 * self.hop)
        self.window = (0.5 - 0.5 * np.cos(2 * np.pi * n / (2 * self.hop))).astype(np.float32)
        self._history: dict[int, np.ndarray] = {}
        self._overlap = np.zeros((channels, self._span()), dtype=np.float32)
        self._first = True
        self._queue: list[np.ndarray] = [np.zeros((channels, 0), dtype=np.float32)]
        self.available = 0

    def _span(self) -> int:
        return -(-self.nfft // self.hop) * self.hop

    def frame_spectra(self, key: int, samples: np.ndarray) -> np.ndarray:
        """Spectra (frames, bins) of the frames that ``samples`` (a whole number of hops) completes."""
        history = self._history.get(key)
        if history is None:
            history = np.zeros(self.hop, dtype=np.float32)
        buffer = np.concatenate([history, samples.astype(np.float32, copy=False)])
        self._history[key] = buffer[-self.hop:]
        frames = sliding_window_view(buffer, 2 * self.hop)[::self.hop] * self.window
        return sfft.rfft(frames, self.nfft, axis=-1, workers=1)

    def synthesise(self, spectra: np.ndarray) -> None:
        """Overlap-add filtered frames (frames, channels, bins); the finished samples queue for ``take``.

        Frame f starts one hop before its centre, so the first hop of the stream lies before time 0 and
        is dropped: the queue is aligned with the input, one hop behind it.
        """
        frames = spectra.shape[0]
        blocks = self._span() // self.hop
        out = sfft.irfft(spectra, self.nfft, axis=-1, workers=1)
        padded = np.zeros((frames, self.channels, blocks * self.hop), dtype=np.float32)
        padded[..., :self.nfft] = out
        pieces = padded.reshape(frames, self.channels, blocks, self.hop)
        acc = np.zeros((self.channels, (frames + blocks) * self.hop), dtype=np.float32)
        acc[:, :self._span()] += self._overlap
        for j in range(blocks):
            acc[:, j * self.hop:(j + frames) * self.hop] += pieces[:, :, j, :].transpose(1, 0, 2).reshape(self.channels, -1)
        self._overlap = acc[:, frames * self.hop:frames * self.hop + self._span()].copy()
        ready = acc[:, :frames * self.hop]
        if self._first:
            self._first = False
            ready = ready[:, self.hop:]
        self._queue.append(ready)
        self.available += ready.shape[1]

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` finished output samples (channels, n); ``n`` must not exceed ``available``."""
        data = np.concatenate(self._queue, axis=1) if len(self._queue) > 1 else self._queue[0]
        out, rest = data[:, :n], data[:, n:]
        self._queue = [rest]
        self.available -= n
        return out
