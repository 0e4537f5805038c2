"""The vectorised ISO 532-1 loudness and DIN 45692 sharpness against mosqito."""

import numpy as np
import pytest
from mosqito.sq_metrics import loudness_zwst, sharpness_din_from_loudness
from mosqito.sq_metrics.loudness.loudness_zwst._calc_slopes import _calc_slopes
from mosqito.sq_metrics.loudness.loudness_zwst._main_loudness import _main_loudness

from engine.audio.soundscape.bands import band_powers
from engine.audio.soundscape.loudness import core_loudness, loudness_and_sharpness


def random_spectra(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.uniform(10, 75, (28, 1))
    tilt = np.linspace(0, -25, 28)[:, None] * rng.uniform(0, 1, (1, n))
    return np.clip(base + rng.normal(0, 15, (28, n)) + tilt, 0, 95)


def test_core_loudness_equals_mosqito():
    """Equal up to float32 rounding, the low-frequency level ranges (integer-dB steps) included."""
    spec = random_spectra(150)
    spec[:11, :40] = np.round(spec[:11, :40])  # levels exactly on the range limits
    for field in ("free", "diffuse"):
        np.testing.assert_allclose(core_loudness(spec, field), _main_loudness(spec, field), rtol=2e-5, atol=2e-6)


def test_total_loudness_and_sharpness_match_mosqito():
    spec = random_spectra(300, seed=1)
    n_ref, n_spec_ref = _calc_slopes(_main_loudness(spec, "free"))
    s_ref = sharpness_din_from_loudness(n_ref, n_spec_ref)
    n, s = loudness_and_sharpness(spec)
    assert np.max(np.abs(n - n_ref) / n_ref) < 0.01
    assert np.max(np.abs(s - s_ref)) < 0.06
    assert np.median(np.abs(s - s_ref)) < 0.01


def test_batch_shape_is_kept():
    spec = random_spectra(12).reshape(28, 3, 4)
    n, s = loudness_and_sharpness(spec)
    assert n.shape == s.shape == (3, 4)
    n_flat, _ = loudness_and_sharpness(spec.reshape(28, 12))
    np.testing.assert_allclose(n.ravel(), n_flat)


def test_one_sone_tone_through_the_filterbank():
    """A 1 kHz tone at 40 dB SPL is 1 sone by definition; mosqito agrees on the waveform."""
    fs = 48000
    t = np.arange(fs * 2) / fs
    x_pa = np.sqrt(2) * 2e-5 * 10 ** (40 / 20) * np.sin(2 * np.pi * 1000 * t)
    powers = band_powers(x_pa, 0.5)[1:].mean(axis=1)  # skip the filters' onset
    n, _ = loudness_and_sharpness(10 * np.log10(np.maximum(powers, 1e-30) / 4e-10).T)
    assert n == pytest.approx(np.ones_like(n), abs=0.05)
    n_ref = loudness_zwst(x_pa[fs // 2:], fs)[0]
    assert float(np.mean(n)) == pytest.approx(float(n_ref), rel=0.05)
