"""Third-octave band powers over time: the features the feature-domain search works on.

The 28 bands 25 Hz .. 12.5 kHz are those ISO 532-1 loudness needs (base-ten centres 1000 * 10^(k/10)).
Each band is a 6th-order Butterworth band-pass (IEC 61260 class-like edges at fc * 10^(+-1/20)); the
mean square of its output over frames of ``frame_s`` seconds is the band power.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal

BAND_CENTRES = 1000.0 * 10.0 ** (np.arange(-16, 12) / 10.0)


@lru_cache(maxsize=8)
def _filterbank(sample_rate: int) -> tuple[np.ndarray, ...]:
    nyquist = sample_rate / 2.0
    if BAND_CENTRES[-1] * 10 ** 0.05 >= nyquist:
        raise ValueError(f"sample rate {sample_rate} Hz is too low for the 12.5 kHz band; use >= 32 kHz")
    return tuple(
        signal.butter(3, [fc * 10 ** -0.05, fc * 10 ** 0.05], btype="bandpass", fs=sample_rate, output="sos")
        for fc in BAND_CENTRES
    )


def band_powers(x: np.ndarray, sample_rate: int, frame_s: float, subframes: int = 1) -> np.ndarray:
    """Mean-square power ``(frames, subframes, 28)`` of mono ``x`` per frame, sub-frame and band."""
    hop = round(frame_s * sample_rate / subframes)
    frames = x.shape[0] // (hop * subframes)
    if frames < 1:
        raise ValueError(f"signal of {x.shape[0] / sample_rate:.3f} s is shorter than one {frame_s} s frame")
    out = np.empty((frames, subframes, BAND_CENTRES.size), dtype=np.float64)
    for b, sos in enumerate(_filterbank(int(sample_rate))):
        y = signal.sosfilt(sos, x)[: frames * subframes * hop]
        out[:, :, b] = np.mean((y * y).reshape(frames, subframes, hop), axis=2)
    return out


def a_weighting_db(f: np.ndarray) -> np.ndarray:
    """IEC 61672-1 A-weighting in dB at frequencies ``f`` (Hz)."""
    f2 = np.asarray(f, dtype=np.float64) ** 2
    ra = (12194.0**2 * f2**2) / ((f2 + 20.6**2) * np.sqrt((f2 + 107.7**2) * (f2 + 737.9**2)) * (f2 + 12194.0**2))
    return 20.0 * np.log10(ra) + 2.0


def c_weighting_db(f: np.ndarray) -> np.ndarray:
    """IEC 61672-1 C-weighting in dB at frequencies ``f`` (Hz)."""
    f2 = np.asarray(f, dtype=np.float64) ** 2
    rc = (12194.0**2 * f2) / ((f2 + 20.6**2) * (f2 + 12194.0**2))
    return 20.0 * np.log10(rc) + 0.06


A_WEIGHTS = 10.0 ** (a_weighting_db(BAND_CENTRES) / 10.0)
C_WEIGHTS = 10.0 ** (c_weighting_db(BAND_CENTRES) / 10.0)
