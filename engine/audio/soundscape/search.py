"""The masker x gain search in the feature domain.

Assumption: the masker and the soundscape are uncorrelated, so the band power of their mix is the
sum of their band powers, ``P_mix(t, b) = P_s(t, b) + g^2 P_m(t, b)``, in every 5 ms piece of a
sub-frame and every band. This is exact in expectation for independent sources and only fails by their
cross term over a piece (``benchmarks/soundscape_search.py`` measures it against mixing the waveforms). With that, every
combination's indicators are computed from band powers at once, without mixing a single waveform.

The levels are computed at every gain. The time-varying loudness (N5, S), which needs every 25 ms
sub-frame's loudness pattern (the mixes of a few maskers at a time, band-major, straight into the
loudness kernel), is computed exactly at anchor gains at most ``anchor_db`` (3 dB) apart and
interpolated in between (shape-preserving cubic in the masker level): both are smooth in the gain, and
``tests/soundscape/test_search.py`` bounds the interpolation error against computing every gain.

Gains follow ARAUS: the soundscape-to-masker ratio (SMR, ``snr_db``) is the soundscape's LAeq minus
the masker's LAeq at playback; ``gain_db`` is what to apply to the masker file to get there.
Alternatively absolute masker levels in dB(A) SPL are searched, given the calibration.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator

from engine.audio.soundscape.features import BandFeatures
from engine.audio.soundscape.indicators import (
    INDICATORS,
    indicators,
    laeq,
    level_indicators,
    loudness_indicators,
    loudness_power_mean,
)
from engine.audio.soundscape.loudness import BLOCK, N_BANDS, band_major_loudness_moments
from engine.audio.soundscape.model import PleasantnessModel

ASSUMPTION = ("feature-domain mixing: band powers of masker and soundscape add (uncorrelated sources) "
              "in every frame and third-octave band")


@dataclass(frozen=True)
class MaskerFeatures:
    name: str
    masker_class: str
    features: BandFeatures


def tile_frames(powers: np.ndarray, frames: int) -> np.ndarray:
    """Band powers looped or trimmed to ``frames`` frames (the masker loops under the soundscape)."""
    return np.take(powers, np.arange(frames) % powers.shape[0], axis=0)


def calibration_for_level(soundscape: BandFeatures, level_dba: float) -> float:
    """The calibration (dB SPL of a digital mean square of 1) that puts the soundscape at ``level_dba``."""
    return float(level_dba - laeq(soundscape.powers, 0.0))


def anchor_columns(levels: np.ndarray, anchor_db: float) -> np.ndarray:
    """Indices of ``levels`` (dB) to compute exactly: the extremes and points at most ``anchor_db`` apart."""
    order = np.argsort(levels, kind="stable")
    span = float(levels[order[-1]] - levels[order[0]])
    count = int(np.ceil(span / anchor_db)) + 1 if anchor_db > 0 and span > 0 else levels.size
    if count >= levels.size:
        return order
    targets = np.linspace(levels[order[0]], levels[order[-1]], count)
    nearest = np.abs(levels[order][None, :] - targets[:, None]).argmin(axis=1)
    return order[np.unique(nearest)]


def _pieces_first(powers: np.ndarray, scale: float) -> np.ndarray:
    """Band powers ``(frames, subframes, pieces, 28)`` as float32 ``(pieces, 28, steps)`` times ``scale``."""
    frames, subframes, pieces, bands = powers.shape
    steps = powers.reshape(frames * subframes, pieces, bands).transpose(1, 2, 0)
    return np.multiply(steps, np.float32(scale), dtype=np.float32)


def mixed_loudness(soundscape: np.ndarray, maskers: list[np.ndarray], gains: np.ndarray, calibration_db: float,
                   field: str = "free") -> tuple[np.ndarray, np.ndarray]:
    """Loudness and DIN-weighted integral ``(maskers, gains, steps)`` of every mix ``soundscape + g masker``.

    ``soundscape``: band powers ``(frames, subframes, pieces, 28)``; ``maskers``: one such array per
    masker, looped or trimmed to the soundscape's frames; ``gains``: power gains ``(maskers, G)``. The
    mixes of a few maskers at every gain go to the loudness kernel at once, band-major, about ``BLOCK``
    spectra at a time, so no array of all the mixes is ever made.
    """
    scale = 10.0 ** (calibration_db / 10.0)
    s = _pieces_first(soundscape, scale)[:, :, None, None, :]
    steps = s.shape[-1]
    total = np.empty(gains.shape + (steps,), dtype=np.float32)
    weighted = np.empty_like(total)
    group = max(1, BLOCK // (gains.shape[1] * steps))
    for start in range(0, len(maskers), group):
        chosen = slice(start, start + group)
        m = np.stack([_pieces_first(tile_frames(p, soundscape.shape[0]), scale) for p in maskers[chosen]], axis=2)
        mix = m[:, :, :, None, :] * gains[chosen].astype(np.float32)[:, :, None]
        mix += s
        t, w = band_major_loudness_moments(loudness_power_mean(mix, axis=0).reshape(N_BANDS, -1), field)
        total[chosen], weighted[chosen] = t.reshape(-1, gains.shape[1], steps), w.reshape(-1, gains.shape[1], steps)
    return total, weighted


def _rows(names, classes, gain_db, snr_db, level_dba, isopl, isoev, ind) -> list[dict]:
    rows = []
    for m in range(len(names)):
        for g in range(gain_db.shape[1]):
            row = {"masker": names[m], "masker_class": classes[m], "gain_db": round(float(gain_db[m, g]), 3),
                   "snr_db": round(float(snr_db[m, g]), 3), "masker_level_dba": round(float(level_dba[m, g]), 3),
                   "isopl": round(float(isopl[m, g]), 5), "isoev": round(float(isoev[m, g]), 5)}
            row.update({k: round(float(ind[k][m, g]), 4) for k in INDICATORS})
            rows.append(row)
    return rows


def search(
    soundscape: BandFeatures,
    maskers: list[MaskerFeatures],
    model: PleasantnessModel,
    calibration_db: float,
    snr_db: np.ndarray | None = None,
    masker_levels_dba: np.ndarray | None = None,
    top_k: int = 10,
    field: str = "free",
    anchor_db: float = 3.0,
) -> dict:
    """Predict ISOPl/ISOEv for every masker x gain; returns rows, the top-K ranking and per-masker curves.

    Exactly one of ``snr_db`` (ARAUS soundscape-to-masker ratios) and ``masker_levels_dba`` (absolute
    masker levels) gives the gains. ``search_ms`` times the search itself, features already in hand.
    ``anchor_db`` spaces the gains at which loudness is computed exactly (0: every gain).
    """
    if (snr_db is None) == (masker_levels_dba is None):
        raise ValueError("give exactly one of snr_db (soundscape-to-masker ratios) or masker_levels_dba")
    if not maskers:
        raise ValueError("maskers: no masker to search")
    t0 = time.perf_counter()
    ps = soundscape.powers
    frames = ps.shape[0]
    # levels are linear in power: they need the frame means only
    s_frames = ps.mean(axis=(1, 2), dtype=np.float64)
    m_frames = np.stack([tile_frames(m.features.powers.mean(axis=(1, 2), dtype=np.float64), frames)
                         for m in maskers])
    ls = float(laeq(s_frames[:, None, None], calibration_db))
    lm = laeq(m_frames[:, :, None, None], calibration_db)  # each masker's LAeq at 0 dB gain
    if snr_db is not None:
        snr = np.broadcast_to(np.asarray(snr_db, float), (len(maskers), len(snr_db)))
        level = ls - snr
    else:
        level = np.broadcast_to(np.asarray(masker_levels_dba, float), (len(maskers), len(masker_levels_dba)))
        snr = ls - level
    gain_db = level - lm[:, None]
    g2 = 10.0 ** (gain_db / 10.0)
    frame_mix = s_frames[None, None] + g2[:, :, None, None] * m_frames[:, None]
    ind = level_indicators(frame_mix, calibration_db)
    # loudness needs every sub-frame of the mix: at the anchor gains, then interpolated
    anchors = anchor_columns(level[0], anchor_db)
    loud = loudness_indicators(*mixed_loudness(ps, [m.features.powers for m in maskers], g2[:, anchors],
                                               calibration_db, field),
                               soundscape.subframe_s)
    for name, at_anchors in loud.items():
        if anchors.size == level.shape[1]:
            ind[name] = np.empty_like(at_anchors)
            ind[name][:, anchors] = at_anchors
        else:
            ind[name] = PchipInterpolator(level[0, anchors], at_anchors, axis=1)(level[0])
    isopl, isoev = model.predict(ind)
    base_ind = indicators(ps, calibration_db, soundscape.subframe_s, field)
    base_pl, base_ev = model.predict(base_ind)
    search_ms = (time.perf_counter() - t0) * 1000.0

    names = [m.name for m in maskers]
    classes = [m.masker_class for m in maskers]
    rows = _rows(names, classes, gain_db, snr, level, isopl, isoev, ind)
    order = np.argsort(-isopl, axis=None, kind="stable")
    ranking = [rows[i] for i in order[:top_k]]
    best = np.argmax(isopl, axis=1)
    curves = [{
        "masker": names[m], "masker_class": classes[m],
        "best": rows[m * gain_db.shape[1] + int(best[m])],
        "gain_db": np.round(gain_db[m], 3).tolist(), "snr_db": np.round(snr[m], 3).tolist(),
        "isopl": np.round(isopl[m], 5).tolist(), "isoev": np.round(isoev[m], 5).tolist(),
    } for m in range(len(maskers))]
    curves.sort(key=lambda c: -c["best"]["isopl"])
    return {
        "combinations": int(isopl.size),
        "search_ms": round(search_ms, 3),
        "ranking": ranking,
        "best_per_masker": curves,
        "baseline": {"isopl": round(float(base_pl), 5), "isoev": round(float(base_ev), 5),
                     **{k: round(float(v), 4) for k, v in base_ind.items()}},
        "soundscape_laeq_dba": round(ls, 3),
        "calibration_db": round(calibration_db, 3),
        "model": model.name,
        "assumption": ASSUMPTION,
        "rows": rows,
    }
