"""Sound propagation in air: distance gain, air absorption (ISO 9613-1), speed of sound."""

from __future__ import annotations

import numpy as np

SPEED_OF_SOUND = 343.0  # m/s at 20 degrees C
REFERENCE_DISTANCE = 1.0  # m: a source at 1 m plays at its own level
MIN_DISTANCE = 0.1  # m: closer sources are held at +20 dB


def distance_gain(distance: np.ndarray) -> np.ndarray:
    """Spherical spreading, 1/r relative to 1 m (held below 0.1 m)."""
    return REFERENCE_DISTANCE / np.maximum(np.asarray(distance, dtype=float), MIN_DISTANCE)


def air_absorption_db_per_m(freqs: np.ndarray, temperature_c: float = 20.0, humidity: float = 50.0,
                            pressure_kpa: float = 101.325) -> np.ndarray:
    """Atmospheric absorption coefficient in dB per metre at ``freqs`` Hz (ISO 9613-1:1993)."""
    f = np.asarray(freqs, dtype=float)
    t = temperature_c + 273.15
    pa = pressure_kpa / 101.325
    t_rel = t / 293.15
    psat = 10.0 ** (-6.8346 * (273.16 / t) ** 1.261 + 4.6151)
    h = humidity * psat / pa
    fr_o = pa * (24.0 + 4.04e4 * h * (0.02 + h) / (0.391 + h))
    fr_n = pa * t_rel ** -0.5 * (9.0 + 280.0 * h * np.exp(-4.170 * (t_rel ** (-1.0 / 3.0) - 1.0)))
    return 8.686 * f ** 2 * (
        1.84e-11 / pa * t_rel ** 0.5
        + t_rel ** -2.5 * (0.01275 * np.exp(-2239.1 / t) / (fr_o + f ** 2 / fr_o)
                           + 0.1068 * np.exp(-3352.0 / t) / (fr_n + f ** 2 / fr_n)))


def air_absorption_log_gain(nfft: int, sample_rate: int) -> np.ndarray:
    """Natural-log amplitude change per metre on an rfft grid: gain at d metres is exp(d * this)."""
    freqs = np.fft.rfftfreq(nfft, 1.0 / sample_rate)
    return (-air_absorption_db_per_m(freqs) / 20.0 * np.log(10.0)).astype(np.float32)
