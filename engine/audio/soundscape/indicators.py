"""Psychoacoustic indicators of soundscapes from their third-octave band powers, for many at once.

Input: band powers ``(..., frames, subframes, 28)`` in digital full-scale units (mean square) and a
calibration (the dB SPL of a digital mean square of 1). Levels use each frame's mean power. Loudness
uses each frame's power mean of order 1/2 over its sub-frames: short loud events count less than
their energy, as in ISO 532-1's time-varying loudness, whose temporal integration follows the
compressive loudness of each moment (a plain energy mean over 0.25 s overstated N5 by 1-3 sone for
bird syllables and rustling leaves against mosqito; ``benchmarks/soundscape_search.py`` reports it).
With the default 0.25 s frames the sub-frames last 27.8 ms (9 per frame). Output: one array ``(...)`` per indicator, matching the
acoustic columns of the International Soundscape Database that the pleasantness model was fitted on:

- ``LAeq``: A-weighted equivalent level, dB(A)
- ``LA10_LA90``: spread of the per-frame A-weighted level (10th minus 90th exceedance level), dB
- ``LC_LA``: LCeq - LAeq, low-frequency content, dB
- ``N5``: Zwicker loudness exceeded 5 % of the time (ISO 532-1 per frame), sone
- ``S``: mean DIN 45692 sharpness over frames, acum
"""

from __future__ import annotations

import numpy as np

from engine.audio.soundscape.bands import A_WEIGHTS, C_WEIGHTS
from engine.audio.soundscape.loudness import loudness_and_sharpness

INDICATORS = ("LAeq", "LA10_LA90", "LC_LA", "N5", "S")
_TINY = 1e-20


def db(power: np.ndarray) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(power, _TINY))


def laeq(powers: np.ndarray, calibration_db: float) -> np.ndarray:
    """A-weighted equivalent level (dB(A) SPL) of band powers ``(..., frames, subframes, 28)``."""
    return db((powers @ A_WEIGHTS).mean(axis=(-1, -2))) + calibration_db


def loudness_power(powers: np.ndarray, in_place: bool = False) -> np.ndarray:
    """Per frame and band, the power mean of order 1/2 over sub-frames: ``(..., frames, 28)``.

    ``in_place`` overwrites ``powers`` with their square roots (saves memory in the search).
    """
    root = np.sqrt(powers, out=powers if in_place else None).mean(axis=-2)
    return root * root


def indicators(powers: np.ndarray, calibration_db: float, field: str = "free") -> dict[str, np.ndarray]:
    """Every indicator in ``INDICATORS`` for band powers ``(..., frames, subframes, 28)``; arrays ``(...)``."""
    sub = np.asarray(powers)
    return indicators_of(sub.mean(axis=-2, dtype=np.float64), loudness_power(sub), calibration_db, field)


def indicators_of(frame_powers: np.ndarray, loud_powers: np.ndarray, calibration_db: float,
                  field: str = "free") -> dict[str, np.ndarray]:
    """The indicators from frame mean powers and loudness powers, both ``(..., frames, 28)``."""
    p = np.asarray(frame_powers, dtype=np.float64)
    a_frames = p @ A_WEIGHTS
    la_frames = db(a_frames) + calibration_db
    la10, la90 = np.percentile(la_frames, [90.0, 10.0], axis=-1)
    la_eq = db(a_frames.mean(axis=-1)) + calibration_db
    lc_eq = db((p @ C_WEIGHTS).mean(axis=-1)) + calibration_db
    levels = np.moveaxis(db(np.asarray(loud_powers, dtype=np.float64)) + calibration_db, -1, 0)
    loud, sharp = loudness_and_sharpness(np.clip(levels, -20.0, 120.0), field)
    return {
        "LAeq": la_eq,
        "LA10_LA90": la10 - la90,
        "LC_LA": lc_eq - la_eq,
        "N5": np.percentile(loud, 95.0, axis=-1),
        "S": sharp.mean(axis=-1),
    }
