"""Psychoacoustic indicators of soundscapes from their third-octave band powers, for many at once.

Input: band powers ``(..., frames, 28)`` in digital full-scale units (mean square) and a calibration
(the dB SPL of a digital mean square of 1). Output: one array ``(...)`` per indicator, matching the
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
    """A-weighted equivalent level (dB(A) SPL) of band powers ``(..., frames, 28)``."""
    return db((powers @ A_WEIGHTS).mean(axis=-1)) + calibration_db


def indicators(powers: np.ndarray, calibration_db: float, field: str = "free") -> dict[str, np.ndarray]:
    """Every indicator in ``INDICATORS`` for band powers ``(..., frames, 28)``; arrays shaped ``(...)``."""
    p = np.asarray(powers, dtype=np.float64)
    a_frames = p @ A_WEIGHTS
    la_frames = db(a_frames) + calibration_db
    la10, la90 = np.percentile(la_frames, [90.0, 10.0], axis=-1)
    la_eq = db(a_frames.mean(axis=-1)) + calibration_db
    lc_eq = db((p @ C_WEIGHTS).mean(axis=-1)) + calibration_db
    levels = np.moveaxis(db(p) + calibration_db, -1, 0)
    loud, sharp = loudness_and_sharpness(np.clip(levels, -20.0, 120.0), field)
    return {
        "LAeq": la_eq,
        "LA10_LA90": la10 - la90,
        "LC_LA": lc_eq - la_eq,
        "N5": np.percentile(loud, 95.0, axis=-1),
        "S": sharp.mean(axis=-1),
    }
