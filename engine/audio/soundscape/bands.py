"""Third-octave band powers over time: the features the feature-domain search works on.

The 28 bands 25 Hz .. 12.5 kHz are those of ISO 532-1, through the standard's own filter bank as
mosqito implements it for its Zwicker loudness: sixth-order band-pass filters specified at 48 kHz,
the squared output smoothed with the standard's time constants (2/(3 fc), at most 2/3 ms) and sampled
at 2 kHz. The loudness computed from these powers therefore sees the band levels mosqito's sees (an
own Butterworth bank read 0.1 dB high in every band and up to 0.6 dB high above 8 kHz on traffic).
The mean of the smoothed power over pieces of ``PIECE_S`` within sub-frames of ``SUBFRAME_S`` is
the band power: sub-frames carry the time-varying loudness, their pieces the on-off notes shorter than
a sub-frame (``indicators``).
"""

from __future__ import annotations

import numpy as np

BAND_CENTRES = 1000.0 * 10.0 ** (np.arange(-16, 12) / 10.0)
BAND_RATE = 48000  # the sample rate ISO 532-1's filters are specified at
ENVELOPE_RATE = 2000  # the rate of the smoothed band powers
SUBFRAME_S = 0.025
PIECE_S = 0.005
_HEADROOM = 1e3  # lifts digital signals far above the 1e-12 floor the filter bank adds to powers


def subframe_samples(frame_s: float) -> tuple[int, int]:
    """``(sub-frames per frame, envelope samples per sub-frame)`` for frames of about ``frame_s``."""
    subframes = max(1, round(frame_s / SUBFRAME_S))
    return subframes, max(1, round(frame_s * ENVELOPE_RATE / subframes))


def iso_band_levels(x_pa: np.ndarray) -> np.ndarray:
    """ISO 532-1's smoothed third-octave levels ``(28, samples at 2 kHz)`` (dB SPL) of ``x_pa`` at 48 kHz."""
    from mosqito.sq_metrics.loudness.loudness_zwtv._third_octave_levels import _third_octave_levels

    return _third_octave_levels(np.asarray(x_pa, dtype=np.float64), BAND_RATE)[0]


def pieces_per_subframe(hop: int) -> int:
    """How many pieces of about ``PIECE_S`` a sub-frame of ``hop`` envelope samples splits into evenly."""
    pieces = max(1, round(hop / (PIECE_S * ENVELOPE_RATE)))
    while hop % pieces:
        pieces -= 1
    return pieces


def band_powers_of_levels(levels: np.ndarray, frame_s: float, unit_power: float = 4e-10) -> np.ndarray:
    """Band powers ``(frames, subframes, pieces, 28)`` in ``unit_power`` units from ``iso_band_levels``."""
    subframes, hop = subframe_samples(frame_s)
    pieces = pieces_per_subframe(hop)
    frames = levels.shape[1] // (hop * subframes)
    if frames < 1:
        seconds = levels.shape[1] / ENVELOPE_RATE
        raise ValueError(f"signal of {seconds:.3f} s is shorter than one {frame_s} s frame")
    pascal_squared = 10.0 ** (levels[:, : frames * subframes * hop] / 10.0) * 4e-10 - 1e-12
    power = np.maximum(pascal_squared, 0.0) / unit_power
    return power.T.reshape(frames, subframes, pieces, hop // pieces, len(BAND_CENTRES)).mean(axis=3)


def band_powers(x: np.ndarray, frame_s: float) -> np.ndarray:
    """Mean-square power ``(frames, subframes, pieces, 28)`` per piece of sub-frame and band of mono ``x`` at 48 kHz.

    Powers are in the units of ``x`` squared (digital mean square for digital samples).
    """
    return band_powers_of_levels(iso_band_levels(np.asarray(x) * _HEADROOM), frame_s, _HEADROOM**2)


def _band_average_db(weighting_db, centres: np.ndarray) -> np.ndarray:
    """A frequency weighting's power gain averaged over each nominal band (log-spaced frequencies)."""
    f = centres[:, None] * 10.0 ** np.linspace(-0.05, 0.05, 65)[None, :]
    return 10.0 * np.log10(np.mean(10.0 ** (weighting_db(f) / 10.0), axis=1))


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


A_WEIGHTS = 10.0 ** (_band_average_db(a_weighting_db, BAND_CENTRES) / 10.0)
C_WEIGHTS = 10.0 ** (_band_average_db(c_weighting_db, BAND_CENTRES) / 10.0)
