"""Zwicker loudness (ISO 532-1, stationary method) and DIN 45692 sharpness, vectorised over spectra.

The search evaluates hundreds of thousands of third-octave spectra (every masker x gain x 25 ms
sub-frame), so it cannot call mosqito once per spectrum (about 80 us each). This module computes the
same quantities for an array of band powers at once, in float32 and in blocks that stay in cache:

- the core loudness of the 20 critical bands is elementwise and is computed from powers directly
  (the level-dependent low-frequency reductions of ISO 532-1 are integer-dB steps, so one table
  lookup on the rounded-up level picks them exactly);
- the specific loudness pattern is integrated band by band in closed form: within a band it is flat
  at the core loudness or follows the upper slope coming from the band below until it meets the core
  loudness. The slope's shape (ISO 532-1's level-dependent steepness), its inverse and its integrals
  are tabulated once per steepness column; a slope that runs on into the next band continues at the
  same place of the same table, so most bands cost two lookups.

The tables are those of ISO 532-1:2017 (Zwicker and Fastl's BASIC program).
``tests/soundscape/test_loudness.py`` checks the results against mosqito.
"""

from __future__ import annotations

import numpy as np

N_BANDS = 28  # third-octave bands 25 Hz .. 12.5 kHz

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


BLOCK = 32768  # spectra per block: the block's working arrays stay in the CPU cache


def _low_band_factors() -> tuple[np.ndarray, int, int]:
    """ISO 532-1's low-band reduction factors 10^(dLL/10), flattened: band b at integer level k is
    entry ``b * levels + k - lowest``. Returns the table, ``lowest`` and ``levels``.

    The reduction is that of the first level range whose upper limit (an integer in dB) the level
    does not exceed; a level L does not exceed an integer limit exactly when ceil(L) does not.
    """
    limits = (_RAP[:, None] - _DLL).astype(int)
    lowest, highest = int(limits.min()), int(limits.max()) + 1
    k = np.arange(lowest, highest + 1)
    row = np.full((11, k.size), 7)
    for r in range(6, -1, -1):
        row = np.where(k[None, :] <= limits[r][:, None], r, row)
    factors = 10.0 ** (_DLL[row, np.arange(11)[:, None]] / 10.0)
    return factors.astype(np.float32).ravel(), lowest, k.size


_LOW_FACTORS, _LOW_K0, _LOW_LEVELS = _low_band_factors()
_LOW_ROWS = (np.arange(11) * _LOW_LEVELS - _LOW_K0).astype(np.float32)[:, None]


def _critical_band_constants(field: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per critical band: power-to-threshold factor, above-threshold factor, loudness scale."""
    shift = -_A0 + (_DDF if field == "diffuse" else 0.0)
    to_threshold = 10.0 ** ((shift - _LTQ) / 10.0)
    above = 0.25 * 10.0 ** (-_DCB / 10.0)
    scale = 0.0635 * 10.0 ** (0.025 * _LTQ)
    return (to_threshold.astype(np.float32)[:, None], above.astype(np.float32)[:, None],
            scale.astype(np.float32)[:, None])


_CONSTANTS = {field: _critical_band_constants(field) for field in ("free", "diffuse")}


def _core_from_powers(p: np.ndarray, field: str) -> np.ndarray:
    """Core loudness ``(21, S)`` of one block of float32 band powers ``(28, S)`` in units of (20 uPa)^2.

    The 21st critical band (23.6..24 Bark) has no third-octave band of its own: its core loudness is 0.
    """
    low = p[:11]
    # 1 mdB of slack so that a level exactly on a limit, after the round trip through powers in
    # float32, stays in its range
    k = np.ceil(np.float32(10.0) * np.log10(np.maximum(low, np.float32(1e-30))) - np.float32(1e-3))
    np.clip(k, np.float32(_LOW_K0), np.float32(_LOW_K0 + _LOW_LEVELS - 1), out=k)
    ti = low * _LOW_FACTORS.take((k + _LOW_ROWS).astype(np.intp))
    e = np.empty((20, p.shape[1]), dtype=np.float32)
    e[0] = ti[0:6].sum(0)
    e[1] = ti[6:9].sum(0)
    e[2] = ti[9:11].sum(0)
    e[3:] = p[11:]
    to_threshold, above_factor, scale = _CONSTANTS[field]
    x = e * to_threshold  # 10^((level - threshold)/10) per critical band
    nm = np.sqrt(np.sqrt(np.float32(0.75) + above_factor * x))
    nm -= np.float32(1.0)
    nm *= scale
    np.maximum(nm, np.float32(0.0), out=nm)
    out = np.zeros((21, p.shape[1]), dtype=np.float32)
    np.multiply(nm, x > np.float32(1.0), out=out[:20])
    korry = np.float32(0.4) + np.float32(0.32) * out[0] ** np.float32(0.2)
    out[0] *= np.minimum(korry, np.float32(1.0))  # the lowest band is reduced only where korry < 1
    return out


def core_loudness(levels: np.ndarray, field: str = "free") -> np.ndarray:
    """Core loudness ``(21, S)`` (sone/Bark) of third-octave levels ``(28, S)`` in dB SPL."""
    L = np.asarray(levels, dtype=np.float64)
    if L.shape[0] != N_BANDS:
        raise ValueError(f"levels: expected {N_BANDS} third-octave bands (25 Hz..12.5 kHz), got {L.shape[0]}")
    flat = (10.0 ** (L.reshape(N_BANDS, -1) / 10.0)).astype(np.float32)
    return _core_from_powers(flat, field).reshape((21,) + L.shape[1:])


class _SlopeTable:
    """The upper slope of one steepness column as a function of the Bark distance travelled.

    ``value(x)`` is the specific loudness after ``x`` Bark of slope started at ``top`` (above every
    range); ``distance(v)`` its inverse; ``area_moment(x)`` the integrals of ``value`` and of
    ``t * value(t)`` from ``x`` to the end of the slope. The loudness under a slope from ``u`` to
    ``e`` is ``area(u) - area(e)``. The tables are uniform so that lookups are arithmetic; each entry
    holds a value and the step to the next one, so that a linear interpolation is one gather. Inputs
    are non-negative float32 arrays (distances and specific loudness); so are the results.
    """

    def __init__(self, column: int, top: float = 400.0, points: int = 8001, v_step: float = 5e-4):
        steep = _USL[:, column]
        limits = np.concatenate([[top], _RNS])
        x_knots = np.concatenate([[0.0], np.cumsum((limits[:-1] - limits[1:]) / steep)])
        fine = np.linspace(0.0, float(x_knots[-1]), points * 8 - 7)
        fine_v = np.interp(fine, x_knots, limits)
        step = fine[1] - fine[0]
        tail = np.concatenate([[0.0], np.cumsum(0.5 * step * (fine_v[1:] + fine_v[:-1]))])
        moment = fine_v * fine
        tail_m = np.concatenate([[0.0], np.cumsum(0.5 * step * (moment[1:] + moment[:-1]))])
        self._x_inv = np.float32(1.0 / (step * 8))
        self._x_last = np.float32(points - 1.0001)
        self._value = self._with_steps(np.append(fine_v[::8], 0.0))
        self._area = self._with_steps(np.append((tail[-1] - tail)[::8], 0.0))
        self._moment = self._with_steps(np.append((tail_m[-1] - tail_m)[::8], 0.0))
        # distance for values up to the first range limit; above it the slope is a straight line
        # from ``top``, which lies below the tabulated distance there and above it everywhere else
        self._v_inv = np.float32(1.0 / v_step)
        grid_v = np.arange(0.0, float(_RNS[0]) + v_step, v_step)
        self._v_last = np.float32(grid_v.size - 1.0001)
        self._distance = self._with_steps(np.interp(grid_v, limits[::-1], x_knots[::-1]))
        self._line = (np.float32(1.0 / steep[0]), np.float32(top / steep[0] - x_knots[1]))

    @staticmethod
    def _with_steps(values: np.ndarray) -> np.ndarray:
        """``values`` and their steps to the next entry, as complex64 (real: value, imag: step)."""
        steps = np.append(np.diff(values), 0.0)
        return np.stack([values, steps], axis=1).astype(np.float32).view(np.complex64).ravel()

    @staticmethod
    def _lookup(table: np.ndarray, x: np.ndarray, inv: np.float32, last: np.float32) -> np.ndarray:
        pos = np.minimum(x * inv, last)
        whole = np.floor(pos)
        entry = table.take(whole.astype(np.intp))
        pos -= whole
        return entry.real + entry.imag * pos

    def distance(self, v: np.ndarray) -> np.ndarray:
        inv_steep, offset = self._line
        beyond = np.minimum(offset - v * inv_steep, np.float32(0.0))  # 0 up to the first range limit
        return self._lookup(self._distance, v, self._v_inv, self._v_last) + beyond

    def value(self, x: np.ndarray) -> np.ndarray:
        return self._lookup(self._value, x, self._x_inv, self._x_last)

    def area_moment(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (self._lookup(self._area, x, self._x_inv, self._x_last),
                self._lookup(self._moment, x, self._x_inv, self._x_last))


_SLOPES = [_SlopeTable(c) for c in range(8)]
_Z_LOW = np.concatenate([[0.0], _ZUP[:-1]])


def _band_weight_fit(band: int) -> tuple[float, float]:
    """Least-squares line ``a + b z`` through the DIN weight ``g(z) z`` over one critical band."""
    z = np.linspace(_Z_LOW[band], _ZUP[band], 64)
    w = np.where(z > 15.8, 0.15 * np.exp(0.42 * (z - 15.8)) + 0.85, 1.0) * z
    b, a = np.polyfit(z, w, 1)
    return float(a), float(b)


_WEIGHT_LINES = [_band_weight_fit(i) for i in range(len(_ZUP))]


def _integrate_pattern(nm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Total loudness and the DIN-weighted integral of the specific loudness of core loudness ``nm``."""
    z0, z1 = float(_Z_LOW[0]), float(_ZUP[0])
    a, b = _WEIGHT_LINES[0]
    total = nm[0] * np.float32(z1 - z0)
    weighted = nm[0] * np.float32(a * (z1 - z0) + 0.5 * b * (z1 * z1 - z0 * z0))
    v_out = nm[0]
    for i in range(1, len(_ZUP)):
        z0, z1 = float(_Z_LOW[i]), float(_ZUP[i])
        width = np.float32(z1 - z0)
        a, b = _WEIGHT_LINES[i]
        flat = nm[i]
        column = min(i - 1, 7)
        table = _SLOPES[column]
        if i == 1 or column != min(i - 2, 7):
            u = table.distance(v_out)
            area_u, moment_u = table.area_moment(u)
        else:  # same table: the slope goes on where the previous band's ended
            u, area_u, moment_u = end, area_e, moment_e
        end = np.minimum(u + width, table.distance(flat))  # before u: no slope in this band
        area_e, moment_e = table.area_moment(end)
        slope_len = np.maximum(end - u, np.float32(0.0))
        sloped = slope_len > np.float32(0.0)
        slope_area = (area_u - area_e) * sloped
        moment = (moment_u - moment_e) * sloped
        # along the slope z = z0 + (t - u)
        slope_weighted = (np.float32(a + b * z0) - np.float32(b) * u) * slope_area + np.float32(b) * moment
        flat_len = width - slope_len
        zs = np.float32(z0) + slope_len
        total += slope_area + flat * flat_len
        flat_weight = np.float32(a) * flat_len + np.float32(0.5 * b) * (np.float32(z1 * z1) - zs * zs)
        weighted += slope_weighted + flat * flat_weight
        if i + 1 < len(_ZUP) and min(i, 7) != column:
            v_out = table.value(end)
    return total, weighted


def loudness_moments(powers: np.ndarray, field: str = "free",
                     scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Total loudness N (sone) and the DIN 45692 integral of N'(z) g(z) z (sone Bark) of band powers.

    ``powers`` are ``(..., 28)`` third-octave band powers for the bands 25 Hz .. 12.5 kHz; times
    ``scale`` they are in units of (20 uPa)^2 (10^(level/10)). The leading axes are any batch shape.
    DIN sharpness is 0.11 times the integral over the loudness (``din_sharpness``).
    """
    p = np.asarray(powers)
    if p.shape[-1] != N_BANDS:
        raise ValueError(f"powers: expected {N_BANDS} third-octave bands (25 Hz..12.5 kHz), "
                         f"got {p.shape[-1]}")
    batch = p.shape[:-1]
    flat = p.reshape(-1, N_BANDS)
    total = np.empty(flat.shape[0], dtype=np.float32)
    weighted = np.empty(flat.shape[0], dtype=np.float32)
    for start in range(0, flat.shape[0], BLOCK):
        block = slice(start, start + BLOCK)
        spectra = np.multiply(flat[block].T, np.float32(scale), dtype=np.float32)
        total[block], weighted[block] = _integrate_pattern(_core_from_powers(spectra, field))
    return total.reshape(batch), weighted.reshape(batch)


def band_major_loudness_moments(bands: np.ndarray, field: str = "free") -> tuple[np.ndarray, np.ndarray]:
    """``loudness_moments`` of float32 band powers ``(28, S)`` in units of (20 uPa)^2, the layout the
    kernel works in (no transposed copy)."""
    if bands.shape[0] != N_BANDS or bands.dtype != np.float32:
        raise ValueError(f"bands: expected float32 ({N_BANDS}, S), got {bands.dtype} {bands.shape}")
    total = np.empty(bands.shape[1], dtype=np.float32)
    weighted = np.empty(bands.shape[1], dtype=np.float32)
    for start in range(0, bands.shape[1], BLOCK):
        block = slice(start, start + BLOCK)
        total[block], weighted[block] = _integrate_pattern(_core_from_powers(bands[:, block], field))
    return total, weighted


def din_sharpness(total: np.ndarray, weighted: np.ndarray) -> np.ndarray:
    """DIN 45692 sharpness (acum) from ``loudness_moments``; 0 where the loudness is below 0.1 sone."""
    return np.where(total >= 0.1, 0.11 * weighted / np.maximum(total, 1e-12), 0.0)


def loudness_and_sharpness(levels: np.ndarray, field: str = "free") -> tuple[np.ndarray, np.ndarray]:
    """Total loudness N (sone) and DIN 45692 sharpness S (acum) of levels ``(28, ...)`` in dB SPL.

    The sharpness weight ``g(z) z`` is taken as linear within each critical band.
    """
    powers = np.moveaxis(10.0 ** (np.asarray(levels, dtype=np.float64) / 10.0), 0, -1)
    total, weighted = loudness_moments(powers, field)
    return total, din_sharpness(total, weighted)
