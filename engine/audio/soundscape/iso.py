"""ISO/TS 12913-3 pleasantness and eventfulness from the eight perceived affective quality ratings.

The PAQs come in soundscapy's order PAQ1..PAQ8: pleasant, vibrant, eventful, chaotic, annoying,
monotonous, uneventful, calm (angles 0, 45, ..., 315 degrees on the circumplex). For ratings on a
1..5 scale:

    ISOPl = [(pa - an) + cos45 (ca - ch) + cos45 (vi - mo)] / (4 + sqrt 32)
    ISOEv = [(ev - un) + cos45 (ch - ca) + cos45 (vi - mo)] / (4 + sqrt 32)
"""

from __future__ import annotations

import numpy as np

PAQ_NAMES = ("pleasant", "vibrant", "eventful", "chaotic", "annoying", "monotonous", "uneventful", "calm")
PAQ_IDS = tuple(f"PAQ{i}" for i in range(1, 9))
COS45 = float(np.cos(np.pi / 4))


def iso_coordinates(paqs: np.ndarray, scale_range: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """ISOPleasant and ISOEventful of ratings ``paqs`` shaped ``(..., 8)`` in PAQ1..PAQ8 order.

    ``scale_range`` is max - min of the Likert scale (4 for the ISO 1..5 scale); results lie in [-1, 1].
    """
    r = np.asarray(paqs, dtype=np.float64)
    if r.shape[-1] != 8:
        raise ValueError(f"paqs: expected 8 ratings per response in PAQ1..PAQ8 order, got shape {r.shape}")
    pa, vi, ev, ch, an, mo, un, ca = np.moveaxis(r, -1, 0)
    norm = scale_range / 4.0 * (4.0 + np.sqrt(32.0))
    isopl = ((pa - an) + COS45 * (ca - ch) + COS45 * (vi - mo)) / norm
    isoev = ((ev - un) + COS45 * (ch - ca) + COS45 * (vi - mo)) / norm
    return isopl, isoev
