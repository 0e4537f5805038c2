"""Reference indicators of a waveform, computed the slow standard way, to check the search against.

Zwicker time-varying loudness (ISO 532-1) and DIN 45692 sharpness come from mosqito; LAeq, LCeq and
the fast-weighted (125 ms) A levels come from IEC 61672 A/C-weighting filters (bilinear transform of
the analogue prototypes) applied to the waveform. The signal is scaled to pascal with the calibration
(dB SPL of a digital mean square of 1). Seconds per 30 s signal: this is for benchmarks and tiny tests.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal

from engine.audio.io import resample

P_REF = 2e-5
TRANSIENT_S = 0.5  # mosqito's time-varying loudness starts from silence; skip its onset


@lru_cache(maxsize=8)
def _weighting_sos(kind: str, fs: int) -> np.ndarray:
    f1, f2, f3, f4 = 20.598997, 107.65265, 737.86223, 12194.217
    w = lambda f: 2 * np.pi * f
    if kind == "A":
        zeros, poles = [0, 0, 0, 0], [-w(f1), -w(f1), -w(f2), -w(f3), -w(f4), -w(f4)]
    else:
        zeros, poles = [0, 0], [-w(f1), -w(f1), -w(f4), -w(f4)]
    z, p, k = signal.bilinear_zpk(zeros, poles, 1.0, fs)
    sos = signal.zpk2sos(z, p, k)
    _, h = signal.sosfreqz(sos, worN=[1000.0], fs=fs)
    return sos / np.array([[np.abs(h[0]) ** (1 / sos.shape[0])] * 3 + [1, 1, 1]])


def weighted_level_series(x_pa: np.ndarray, fs: int, kind: str = "A", tau_s: float = 0.125) -> np.ndarray:
    """Exponentially time-weighted (Fast by default) A- or C-weighted level in dB SPL, per sample."""
    y = signal.sosfilt(_weighting_sos(kind, fs), x_pa)
    alpha = 1.0 / (tau_s * fs)
    smoothed = signal.lfilter([alpha], [1.0, alpha - 1.0], y * y)
    return 10.0 * np.log10(np.maximum(smoothed, 1e-30) / P_REF**2)


def weighted_leq(x_pa: np.ndarray, fs: int, kind: str = "A") -> float:
    y = signal.sosfilt(_weighting_sos(kind, fs), x_pa)
    return float(10.0 * np.log10(np.mean(y * y) / P_REF**2))


def reference_indicators(x: np.ndarray, sample_rate: int, calibration_db: float,
                         field: str = "free") -> dict[str, float]:
    """The indicators of ``indicators.INDICATORS`` for mono ``x`` (digital units), the standard way."""
    from mosqito.sq_metrics import loudness_zwtv, sharpness_din_from_loudness

    x_pa = np.asarray(x, dtype=np.float64) * np.sqrt(10.0 ** (calibration_db / 10.0)) * P_REF
    fs = 48000
    x48 = resample(x_pa[:, None], sample_rate, fs)[:, 0]
    skip = int(TRANSIENT_S * fs)
    la = weighted_level_series(x48, fs, "A")[skip:]
    la_eq = weighted_leq(x48[skip:], fs, "A")
    lc_eq = weighted_leq(x48[skip:], fs, "C")
    n, n_spec, _, t = loudness_zwtv(x48, fs, field_type=field)
    keep = t >= TRANSIENT_S
    sharp = sharpness_din_from_loudness(n[keep], n_spec[:, keep])
    return {
        "LAeq": la_eq,
        "LA10_LA90": float(np.percentile(la, 90) - np.percentile(la, 10)),
        "LC_LA": lc_eq - la_eq,
        "N5": float(np.percentile(n[keep], 95)),
        "S": float(np.mean(sharp)),
    }
