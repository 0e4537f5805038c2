"""Zwicker loudness (ISO 532-1, stationary method) and DIN 45692 sharpness, vectorised over spectra.

The search evaluates hundreds of thousands of third-octave spectra (every masker x gain x frame), so
it cannot call mosqito once per spectrum (about 80 us each). This module computes the same quantities
for an array of spectra at once: the core loudness of the 20 critical bands is elementwise, and the
specific loudness pattern is integrated band by band in closed form. Within a band it is flat at the
core loudness or follows the upper slope coming from the band below, whose level-dependent steepness
(ISO 532-1) is piecewise constant in the loudness; the slope's shape, its inverse and its integrals
are tabulated once per steepness column, so every band costs a few table lookups for all spectra
together. The tables are those of ISO 532-1:2017 (Zwicker and Fastl's BASIC program).
``tests/soundscape/test_loudness.py`` checks the results against mosqito (loudness within 1 %).
"""

from __future__ import annotations

import numpy as np

N_BANDS = 28  # third-octave bands 25 Hz .. 12.5 kHz
_LN10_10 = np.log(10.0) / 10.0

# ranges of third-octave levels (dB) and the reductions at low frequencies (equal loudness contours)
_RAP = np.array([45.0, 55, 65, 71, 80, 90, 100, 120])
_DLL = np.array([
    [-32, -24, -16, -10, -5, 0, -7, -3, 0, -2, 0],
    [-29, -22, -15, -10, -4, 0, -7, -2, 0, -2, 0],
    [-27, -19, -14, -9, -4, 0, -6, -2, 0, -2, 0],
    [-25, -17, -12, -9, -3, 0, -5, -2, 0, -2, 0],
    [-23, -16, -11, -7, -3, 0, -4, -1, 0, -1, 0],
    [-20, -14, -10, -6, -3, 0, -4, -1, 0, -1, 0],
    [-18, -12, -9, -6, -2, 0, -3, -1, 0, -1, 0],
    [-15, -10, -8, -4, -2, 0, -3, -1, 0, -1, 0],
], dtype=np.float64)
# critical band level at threshold, ear transmission, free/diffuse difference, 1/3-oct to critical band
_LTQ = np.array([30.0, 18, 12, 8, 7, 6, 5, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3])
_A0 = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -0.5, -1.6, -3.2, -5.4, -5.6, -4, -1.5, 2, 5, 12])
_DDF = np.array([0, 0, 0.5, 0.9, 1.2, 1.6, 2.3, 2.8, 3, 2, 0, -1.4, -2, -1.9, -1, 0.5, 3, 4, 4.3, 4])
_DCB = np.array([-0.25, -0.6, -0.8, -0.8, -0.5, 0, 0.5, 1.1, 1.5, 1.7, 1.8, 1.8, 1.7, 1.6, 1.4, 1.2,
                 0.8, 0.5, 0, -0.5])
# upper limits of the approximated critical bands (Bark)
_ZUP = np.array([0.9, 1.8, 2.8, 3.5, 4.4, 5.4, 6.6, 7.9, 9.2, 10.6, 12.3, 13.8, 15.2, 16.7, 18.1, 19.3,
                 20.6, 21.8, 22.7, 23.6, 24.0])
# ranges of specific loudness and the steepness of the upper slopes per range (rows) and band (columns)
_RNS = np.array([21.5, 18, 15.1, 11.5, 9, 6.1, 4.4, 3.1, 2.13, 1.36, 0.82, 0.42, 0.30, 0.22, 0.15, 0.10,
                 0.035, 0.0])
_USL = np.array([
    [13, 8.2, 6.3, 5.5, 5.5, 5.5, 5.5, 5.5],
    [9, 7.5, 6, 5.1, 4.5, 4.5, 4.5, 4.5],
    [7.8, 6.7, 5.6, 4.9, 4.4, 3.9, 3.9, 3.9],
    [6.2, 5.4, 4.6, 4.0, 3.5, 3.2, 3.2, 3.2],
    [4.5, 3.8, 3.6, 3.2, 2.9, 2.7, 2.7, 2.7],
    [3.7, 3.0, 2.8, 2.35, 2.2, 2.2, 2.2, 2.2],
    [2.9, 2.3, 2.1, 1.9, 1.8, 1.7, 1.7, 1.7],
    [2.4, 1.7, 1.5, 1.35, 1.3, 1.3, 1.3, 1.3],
    [1.95, 1.45, 1.3, 1.15, 1.1, 1.1, 1.1, 1.1],
    [1.5, 1.2, 0.94, 0.86, 0.82, 0.82, 0.82, 0.82],
    [0.72, 0.67, 0.64, 0.63, 0.62, 0.62, 0.62, 0.62],
    [0.59, 0.53, 0.51, 0.50, 0.42, 0.42, 0.42, 0.42],
    [0.40, 0.33, 0.26, 0.24, 0.24, 0.22, 0.22, 0.22],
    [0.27, 0.21, 0.20, 0.18, 0.17, 0.17, 0.17, 0.17],
    [0.16, 0.15, 0.14, 0.12, 0.11, 0.11, 0.11, 0.11],
    [0.12, 0.11, 0.10, 0.08, 0.08, 0.08, 0.08, 0.08],
    [0.09, 0.08, 0.07, 0.06, 0.06, 0.06, 0.06, 0.05],
    [0.06, 0.05, 0.03, 0.02, 0.02, 0.02, 0.02, 0.02],
])


def core_loudness(levels: np.ndarray, field: str = "free") -> np.ndarray:
    """Core loudness ``(21, S)`` (sone/Bark) of third-octave levels ``(28, S)`` in dB SPL."""
    L = np.asarray(levels, dtype=np.float64)
    if L.shape[0] != N_BANDS:
        raise ValueError(f"levels: expected {N_BANDS} third-octave bands (25 Hz..12.5 kHz), got {L.shape[0]}")
    low = L[:11]
    extra = (1,) * (L.ndim - 1)
    limits = (_RAP[:, None] - _DLL).reshape(8, 11, *extra)
    dll_rows = _DLL.reshape(8, 11, *extra)
    # the reduction of the first level range whose limit the level does not exceed (else the last)
    dll = np.broadcast_to(dll_rows[7], low.shape)
    for r in range(6, -1, -1):
        dll = np.where(low <= limits[r], dll_rows[r], dll)
    ti = np.exp((low + dll) * _LN10_10)
    gi = np.stack([ti[0:6].sum(0), ti[6:9].sum(0), ti[9:11].sum(0)])
    le = L[8:].copy()
    le[0:3] = 10.0 * np.log10(np.maximum(gi, 1e-30))
    shape = (20,) + extra
    le -= _A0.reshape(shape)
    if field == "diffuse":
        le += _DDF.reshape(shape)
    ltq = _LTQ.reshape(shape)
    above = le > ltq
    le -= np.where(above, _DCB.reshape(shape), 0.0)
    inner = 0.75 + 0.25 * np.exp((le - ltq) * _LN10_10)
    nm = (0.0635 * 10.0 ** (0.025 * ltq)) * (np.sqrt(np.sqrt(inner)) - 1.0)
    nm = np.where(above, np.maximum(nm, 0.0), 0.0)
    korry = 0.4 + 0.32 * nm[0] ** 0.2
    nm[0] = np.where(korry <= 1.0, nm[0] * korry, nm[0])
    return np.concatenate([nm, np.zeros((1,) + L.shape[1:])], axis=0)


def _uniform_interp(x: np.ndarray, x0: float, step: float, table: np.ndarray) -> np.ndarray:
    """Linear interpolation in ``table`` sampled every ``step`` from ``x0``, clamped at both ends."""
    pos = (x - x0) * (1.0 / step)
    np.clip(pos, 0.0, table.size - 1.000001, out=pos)
    i = pos.astype(np.intp)
    f = pos - i
    return table[i] * (1.0 - f) + table[i + 1] * f


class _SlopeTable:
    """The upper slope of one steepness column as a function of the Bark distance travelled.

    ``value(x)`` is the specific loudness after ``x`` Bark of slope started at ``top`` (above every
    range); ``distance(v)`` its inverse; ``area(x)`` and ``moment(x)`` are the integrals of ``value``
    and of ``t * value(t)`` from ``x`` to the end of the slope. With them the loudness under a slope
    that starts at ``v`` and runs ``L`` Bark is ``area(distance(v)) - area(distance(v) + L)``. The
    tables are uniform so that lookups are arithmetic, not searches.
    """

    def __init__(self, column: int, top: float = 400.0, points: int = 8001, v_step: float = 5e-4):
        steep = _USL[:, column]
        limits = np.concatenate([[top], _RNS])
        x_knots = np.concatenate([[0.0], np.cumsum((limits[:-1] - limits[1:]) / steep)])
        self._steep_top = float(steep[0])
        self._top = top
        fine = np.linspace(0.0, float(x_knots[-1]), points * 8 - 7)
        fine_v = np.interp(fine, x_knots, limits)
        step = fine[1] - fine[0]
        tail = np.concatenate([[0.0], np.cumsum(0.5 * step * (fine_v[1:] + fine_v[:-1]))])
        moment = fine_v * fine
        tail_m = np.concatenate([[0.0], np.cumsum(0.5 * step * (moment[1:] + moment[:-1]))])
        self._x_step = step * 8
        self._value = np.append(fine_v[::8], 0.0)
        self._area = np.append((tail[-1] - tail)[::8], 0.0)
        self._moment = np.append((tail_m[-1] - tail_m)[::8], 0.0)
        # distance for values up to the first range limit; above it the slope is a straight line
        self._v_step = v_step
        self._v_max = float(_RNS[0])
        grid_v = np.arange(0.0, self._v_max + v_step, v_step)
        self._distance = np.interp(grid_v, limits[::-1], x_knots[::-1])

    def distance(self, v: np.ndarray) -> np.ndarray:
        low = _uniform_interp(v, 0.0, self._v_step, self._distance)
        return np.where(v > self._v_max, (self._top - v) / self._steep_top, low)

    def value(self, x: np.ndarray) -> np.ndarray:
        return _uniform_interp(x, 0.0, self._x_step, self._value)

    def area(self, x: np.ndarray) -> np.ndarray:
        return _uniform_interp(x, 0.0, self._x_step, self._area)

    def moment(self, x: np.ndarray) -> np.ndarray:
        return _uniform_interp(x, 0.0, self._x_step, self._moment)


_SLOPES = [_SlopeTable(c) for c in range(8)]
_Z_LOW = np.concatenate([[0.0], _ZUP[:-1]])


def _band_weight_fit(band: int) -> tuple[float, float]:
    """Least-squares line ``a + b z`` through the DIN weight ``g(z) z`` over one critical band."""
    z = np.linspace(_Z_LOW[band], _ZUP[band], 64)
    w = np.where(z > 15.8, 0.15 * np.exp(0.42 * (z - 15.8)) + 0.85, 1.0) * z
    b, a = np.polyfit(z, w, 1)
    return float(a), float(b)


_WEIGHT_LINES = [_band_weight_fit(i) for i in range(len(_ZUP))]


def loudness_and_sharpness(levels: np.ndarray, field: str = "free") -> tuple[np.ndarray, np.ndarray]:
    """Total loudness N (sone) and DIN 45692 sharpness S (acum) of third-octave levels ``(28, ...)``.

    Levels are in dB SPL for the bands 25 Hz .. 12.5 kHz; the trailing axes are any batch shape. The
    specific loudness pattern is integrated band by band: flat at the core loudness, or, where the
    previous band's value is higher, along the upper slope until it meets the core loudness. The
    sharpness weight ``g(z) z`` is taken as linear within each critical band.
    """
    L = np.asarray(levels, dtype=np.float64)
    batch = L.shape[1:]
    nm = core_loudness(L.reshape(N_BANDS, -1), field)
    total = np.zeros(nm.shape[1])
    weighted = np.zeros(nm.shape[1])
    v_in = np.zeros(nm.shape[1])
    for i in range(len(_ZUP)):
        z0, z1 = float(_Z_LOW[i]), float(_ZUP[i])
        width = z1 - z0
        a, b = _WEIGHT_LINES[i]
        flat = nm[i]
        if i == 0:
            slope_len = np.zeros_like(flat)
            slope_area = slope_weighted = 0.0
            v_out = flat
        else:
            table = _SLOPES[min(i - 1, 7)]
            u = table.distance(v_in)
            meet = table.distance(flat)
            slope_len = np.where(v_in > flat, np.clip(meet - u, 0.0, width), 0.0)
            area_u, area_e = table.area(u), table.area(u + slope_len)
            slope_area = area_u - area_e
            moment = table.moment(u) - table.moment(u + slope_len)
            # along the slope z = z0 + (t - u)
            slope_weighted = (a + b * (z0 - u)) * slope_area + b * moment
            v_out = np.maximum(table.value(u + width), flat)
        flat_len = width - slope_len
        zs = z0 + slope_len
        total += slope_area + flat * flat_len
        weighted += slope_weighted + flat * (a * flat_len + 0.5 * b * (z1 * z1 - zs * zs))
        v_in = v_out
    sharp = np.where(total >= 0.1, 0.11 * weighted / np.maximum(total, 1e-12), 0.0)
    return total.reshape(batch), sharp.reshape(batch)
