"""Reference indicators of a waveform, computed the slow standard way, to check the search against.

Zwicker time-varying loudness (ISO 532-1) and DIN 45692 sharpness come from mosqito; LAeq, LCeq and
the fast-weighted (125 ms) A levels come from IEC 61672 A/C-weighting filters (bilinear transform of
the analogue prototypes) applied to the waveform. The signal is scaled to pascal with the calibration
(dB SPL of a digital mean square of 1). About 0.6 CPU-seconds per second of signal: this is for
benchmarks and tests.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal

from engine.audio.io import resample
from engine.audio.soundscape.bands import BAND_RATE as REFERENCE_RATE
from engine.audio.soundscape.bands import ENVELOPE_RATE

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


def zwicker_time_varying(levels: list[np.ndarray], field: str = "free",
                         batch: int = 8) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """mosqito's ``loudness_zwtv`` (N, N', time axis) from third-octave levels of equal-length signals.

    ``levels`` are ``bands.iso_band_levels`` of 48 kHz signals in pascal (mosqito's first step). The
    remaining steps are mosqito's own functions in ``loudness_zwtv``'s order; the only change is that
    the per-band nonlinear temporal decay, a Python loop over time whose rows (bands) are independent,
    runs once for ``batch`` signals stacked row-wise instead of once per signal, which is several times
    faster and gives identical results (``tests/soundscape/test_reference.py``; the time axis is
    ``loudness_zwtv``'s for signals whose length is a multiple of 0.5 ms, else within 0.5 ms of it).
    """
    from mosqito.sq_metrics.loudness.loudness_zwst._calc_slopes import _calc_slopes
    from mosqito.sq_metrics.loudness.loudness_zwst._main_loudness import _main_loudness
    from mosqito.sq_metrics.loudness.loudness_zwtv._nonlinear_decay import _nl_loudness
    from mosqito.sq_metrics.loudness.loudness_zwtv._temporal_weighting import _temporal_weighting

    out = []
    for start in range(0, len(levels), batch):
        cores = [_main_loudness(spec, field) for spec in levels[start:start + batch]]
        decayed = _nl_loudness(np.concatenate(cores, axis=0))
        for k, core in enumerate(cores):
            total, specific = _calc_slopes(decayed[k * core.shape[0]:(k + 1) * core.shape[0]])
            time_axis = np.linspace(0.0, core.shape[1] / ENVELOPE_RATE, core.shape[1])
            out.append((_temporal_weighting(total)[::4], specific[:, ::4], time_axis[::4]))
    return out


def pascal_at_reference_rate(x: np.ndarray, sample_rate: int, calibration_db: float) -> np.ndarray:
    """Mono digital ``x`` as pascal at 48 kHz, for a calibration in dB SPL of a digital mean square of 1."""
    scale = np.sqrt(10.0 ** (calibration_db / 10.0)) * P_REF
    return resample((np.asarray(x, dtype=np.float64) * scale)[:, None], sample_rate, REFERENCE_RATE)[:, 0]


def indicators_of_pascal(signals_pa: list[np.ndarray], levels: list[np.ndarray], field: str = "free",
                         batch: int = 8) -> list[dict[str, float]]:
    """The indicators of ``indicators.INDICATORS`` of 48 kHz signals in pascal and their band levels.

    ``levels`` are the signals' ``bands.iso_band_levels`` (computed by the caller, which may reuse them).
    """
    from mosqito.sq_metrics import sharpness_din_from_loudness

    skip = int(TRANSIENT_S * REFERENCE_RATE)
    results = []
    for x48, (n, n_spec, t) in zip(signals_pa, zwicker_time_varying(levels, field, batch), strict=True):
        la = weighted_level_series(x48, REFERENCE_RATE, "A")[skip:]
        la_eq = weighted_leq(x48[skip:], REFERENCE_RATE, "A")
        lc_eq = weighted_leq(x48[skip:], REFERENCE_RATE, "C")
        keep = t >= TRANSIENT_S
        sharp = sharpness_din_from_loudness(n[keep], n_spec[:, keep])
        results.append({
            "LAeq": la_eq,
            "LA10_LA90": float(np.percentile(la, 90) - np.percentile(la, 10)),
            "LC_LA": lc_eq - la_eq,
            "N5": float(np.percentile(n[keep], 95)),
            "S": float(np.mean(sharp)),
        })
    return results
