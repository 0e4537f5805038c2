"""Signal primitives for procedural sound, and the demo traffic soundscape (seeded, deterministic).

Coloured noise, slow random envelopes, Butterworth band filters and level normalisation at
``SAMPLE_RATE``; the procedural masker bank (plugin ``procedural-maskers``) builds its rain, water,
wind, birds and insects from them. ``traffic`` synthesises the street recording the demo and the
tests augment (``resources/examples``). Every function takes a seed or a ``numpy.random.Generator``.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

SAMPLE_RATE = 44100


def band_filtered(x: np.ndarray, low: float | None, high: float | None, order: int = 4) -> np.ndarray:
    """Butterworth band-pass (``low`` and ``high``), high-pass (``low``) or low-pass (``high``), in Hz."""
    if low and high:
        sos = signal.butter(order, [low, high], btype="bandpass", fs=SAMPLE_RATE, output="sos")
    elif low:
        sos = signal.butter(order, low, btype="highpass", fs=SAMPLE_RATE, output="sos")
    else:
        sos = signal.butter(order, high, btype="lowpass", fs=SAMPLE_RATE, output="sos")
    return signal.sosfilt(sos, x)


def coloured_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Noise with power spectral density ~ 1/f**exponent (0 white, 1 pink, 2 brown), unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    spec[1:] /= f[1:] ** (exponent / 2.0)
    spec[0] = 0.0
    spec[f < 15.0] = 0.0
    x = np.fft.irfft(spec, n)
    return x / np.sqrt(np.mean(x * x))


def smooth_envelope(rng: np.random.Generator, n: int, rate_hz: float) -> np.ndarray:
    """A slowly varying random positive envelope (log-normal around 1) with bandwidth ``rate_hz``."""
    step = max(1, int(SAMPLE_RATE / (rate_hz * 8)))
    coarse = rng.standard_normal(n // step + 4)
    kernel = np.hanning(9)
    coarse = np.convolve(coarse, kernel / kernel.sum(), mode="same") * 2.0
    return np.exp(0.5 * np.interp(np.arange(n), np.arange(coarse.size) * step, coarse))


def normalise(x: np.ndarray, rms_dbfs: float = -30.0, peak: float = 0.9) -> np.ndarray:
    """Scale to ``rms_dbfs`` RMS, lowered if needed so that no sample exceeds ``peak``."""
    gain = 10 ** (rms_dbfs / 20) / np.sqrt(np.mean(x * x))
    gain = min(gain, peak / np.max(np.abs(x)))
    return x * gain


def traffic(seed: int, duration_s: float = 30.0) -> np.ndarray:
    """A street: cars passing both ways (engine harmonics with Doppler, tyre noise) over distant
    traffic rumble; stereo ``(n, 2)`` panned by each car's position."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    c = 343.0
    out = np.zeros((n, 2))
    rumble = band_filtered(coloured_noise(rng, n, 2.0), 30.0, 1500.0) * smooth_envelope(rng, n, 0.1)
    out += 0.25 * rumble[:, None]
    when = rng.uniform(-3.0, 0.0)
    while when < duration_s + 3.0:
        speed = rng.uniform(9.0, 16.0) * rng.choice([-1.0, 1.0])
        dist = rng.uniform(4.0, 12.0)
        x = speed * (t - when)
        r = np.sqrt(x * x + dist * dist)
        radial = speed * x / r  # receding speed
        doppler = c / (c + radial)
        f_engine = rng.uniform(28.0, 60.0)
        phase = 2 * np.pi * np.cumsum(f_engine * doppler) / SAMPLE_RATE
        engine = sum(np.sin(k * phase + rng.uniform(0, 6.3)) / k for k in range(1, 9))
        tyre = band_filtered(rng.standard_normal(n), 400.0, 3000.0, 2)
        level = rng.uniform(0.7, 1.4) / np.maximum(r, 1.0)
        car = level * (0.5 * engine + 1.2 * tyre)
        pan = 0.5 + 0.5 * np.clip(x / np.maximum(r, 1.0), -1.0, 1.0)
        out[:, 0] += car * np.sqrt(1.0 - pan)
        out[:, 1] += car * np.sqrt(pan)
        when += rng.exponential(3.5) + 1.0
    out *= 10 ** (-18 / 20) / np.sqrt(np.mean(out**2))
    return out * min(1.0, 0.9 / np.max(np.abs(out)))
