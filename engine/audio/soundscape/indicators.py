"""Psychoacoustic indicators of soundscapes from their third-octave band powers, for many at once.

Input: band powers ``(..., frames, subframes, pieces, 28)`` in digital full-scale units (mean square)
and a calibration (the dB SPL of a digital mean square of 1). Levels use each frame's mean power.
Loudness follows ISO 532-1's time-varying method at the resolution of the sub-frames (25 ms by
default): the stationary loudness of each sub-frame, then the standard's temporal weighting of the total
loudness
(0.47 times a 3.5 ms plus 0.53 times a 70 ms first-order low-pass, each sub-frame taking the mean of
the filters' response over its duration); N5 is the 95th percentile of that over time. Sharpness is
mosqito's DIN sharpness of time-varying loudness: each sub-frame's DIN-weighted integral of the
specific loudness over the temporally weighted loudness (0 below 0.1 sone), averaged over time.
A sub-frame's power is the power mean of order 1/4 (ISO 532-1's loudness exponent) of its pieces
(5 ms), not their mean: loudness grows as the fourth root of power, so the loudness of on-off notes
shorter than a sub-frame is nearer the mean loudness of its pieces than the loudness of its mean power.
ISO 532-1's nonlinear decay of the specific loudness is left out: on the demo street and on maskers
alone it moved mosqito's N5 by less than 0.05 sone. Output: one array ``(...)`` per indicator,
matching the acoustic columns of the International Soundscape Database that the pleasantness model
was fitted on:

- ``LAeq``: A-weighted equivalent level, dB(A)
- ``LA10_LA90``: spread of the per-frame A-weighted level (10th minus 90th exceedance level), dB
- ``LC_LA``: LCeq - LAeq, low-frequency content, dB
- ``N5``: Zwicker loudness exceeded 5 % of the time (ISO 532-1, time-varying), sone
- ``S``: mean DIN 45692 sharpness over time, acum
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from engine.audio.soundscape.bands import A_WEIGHTS, C_WEIGHTS, SUBFRAME_S
from engine.audio.soundscape.loudness import din_sharpness, loudness_moments

INDICATORS = ("LAeq", "LA10_LA90", "LC_LA", "N5", "S")
LOUDNESS_LOWPASSES = ((0.47, 0.0035), (0.53, 0.070))  # ISO 532-1 temporal weighting: (weight, tau s)
LOUDNESS_EXPONENT = 0.25  # ISO 532-1: specific loudness grows as the fourth root of the excitation
_TINY = 1e-20


def db(power: np.ndarray) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(power, _TINY))


def laeq(powers: np.ndarray, calibration_db: float) -> np.ndarray:
    """A-weighted equivalent level (dB(A) SPL) of band powers ``(..., frames, subframes, pieces, 28)``."""
    return db((powers @ A_WEIGHTS).mean(axis=(-1, -2, -3))) + calibration_db


def loudness_power_mean(pieces: np.ndarray, axis: int) -> np.ndarray:
    """The power mean of order ``LOUDNESS_EXPONENT`` over ``axis`` (the pieces of a sub-frame), float32."""
    roots = np.sqrt(np.asarray(pieces, dtype=np.float32))
    np.sqrt(roots, out=roots)
    mean = roots.sum(axis=axis)
    mean *= np.float32(1.0 / roots.shape[axis])
    np.square(mean, out=mean)
    return np.square(mean, out=mean)


def level_indicators(frame_powers: np.ndarray, calibration_db: float) -> dict[str, np.ndarray]:
    """``LAeq``, ``LA10_LA90`` and ``LC_LA`` of frame mean powers ``(..., frames, 28)``."""
    p = np.asarray(frame_powers, dtype=np.float64)
    a_frames = p @ A_WEIGHTS
    la10, la90 = np.percentile(db(a_frames), [90.0, 10.0], axis=-1)
    la_eq = db(a_frames.mean(axis=-1)) + calibration_db
    lc_eq = db((p @ C_WEIGHTS).mean(axis=-1)) + calibration_db
    return {"LAeq": la_eq, "LA10_LA90": la10 - la90, "LC_LA": lc_eq - la_eq}


def temporal_weighting(total: np.ndarray, step_s: float) -> np.ndarray:
    """ISO 532-1's temporal weighting of total loudness ``(..., steps)`` held constant over each step.

    Each step gets the mean of the low-passes' response over its duration; the filters start in the
    steady state of the first step.
    """
    x = np.asarray(total, dtype=np.float64)
    out = np.zeros_like(x)
    for weight, tau in LOUDNESS_LOWPASSES:
        a = np.exp(-step_s / tau)
        end, _ = signal.lfilter([1.0 - a], [1.0, -a], x, axis=-1, zi=a * x[..., :1])
        start = np.concatenate([x[..., :1], end[..., :-1]], axis=-1)
        out += weight * (x + (start - x) * (tau / step_s) * (1.0 - a))
    return out


def loudness_indicators(total: np.ndarray, weighted: np.ndarray, step_s: float) -> dict[str, np.ndarray]:
    """``N5`` and ``S`` from each step's loudness and DIN-weighted integral ``(..., steps)``."""
    weighted_total = temporal_weighting(total, step_s)
    sharpness = din_sharpness(weighted_total, weighted)
    return {"N5": np.percentile(weighted_total, 95.0, axis=-1), "S": sharpness.mean(axis=-1)}


def subframe_loudness(powers: np.ndarray, calibration_db: float,
                      field: str = "free") -> tuple[np.ndarray, np.ndarray]:
    """Loudness and DIN-weighted integral ``(..., steps)`` of band powers ``(..., frames, subframes, pieces, 28)``.

    The steps are the sub-frames in time order (``frames * subframes``).
    """
    p = loudness_power_mean(powers, axis=-2)
    steps = p.reshape(*p.shape[:-3], p.shape[-3] * p.shape[-2], p.shape[-1])
    return loudness_moments(steps, field, scale=10.0 ** (calibration_db / 10.0))


def indicators(powers: np.ndarray, calibration_db: float, subframe_s: float = SUBFRAME_S,
               field: str = "free") -> dict[str, np.ndarray]:
    """Every indicator in ``INDICATORS`` of band powers ``(..., frames, subframes, pieces, 28)``; arrays ``(...)``."""
    p = np.asarray(powers)
    total, weighted = subframe_loudness(p, calibration_db, field)
    return {**level_indicators(p.mean(axis=(-2, -3), dtype=np.float64), calibration_db),
            **loudness_indicators(total, weighted, subframe_s)}
