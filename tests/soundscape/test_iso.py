"""ISO/TS 12913-3 coordinates against soundscapy's own implementation."""

import numpy as np
import pandas as pd
import pytest

from engine.audio.soundscape.iso import PAQ_IDS, iso_coordinates


def soundscapy_coords(paqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from soundscapy.surveys.processing import calculate_iso_coords

    df = pd.DataFrame(paqs, columns=list(PAQ_IDS))
    pl, ev = calculate_iso_coords(df)
    return pl.to_numpy(), ev.to_numpy()


def test_matches_soundscapy_on_random_likert_ratings():
    rng = np.random.default_rng(3)
    paqs = rng.integers(1, 6, size=(500, 8)).astype(float)
    pl, ev = iso_coordinates(paqs)
    ref_pl, ref_ev = soundscapy_coords(paqs)
    np.testing.assert_allclose(pl, ref_pl, atol=1e-12)
    np.testing.assert_allclose(ev, ref_ev, atol=1e-12)


def test_matches_soundscapy_on_the_isd_responses():
    from soundscapy.databases import isd

    df = isd.load()
    paqs = df[list(PAQ_IDS)].dropna().to_numpy(float)
    pl, ev = iso_coordinates(paqs)
    ref_pl, ref_ev = soundscapy_coords(paqs)
    assert len(pl) > 3000
    np.testing.assert_allclose(pl, ref_pl, atol=1e-12)
    np.testing.assert_allclose(ev, ref_ev, atol=1e-12)


def test_formula_extremes_and_shape_errors():
    pleasant_calm = np.array([5, 3, 3, 1, 1, 3, 3, 5], float)  # pa=5, ca=5, an=1, ch=1
    pl, ev = iso_coordinates(pleasant_calm)
    assert pl == pytest.approx((4 + np.cos(np.pi / 4) * 4) / (4 + np.sqrt(32)))
    assert ev == pytest.approx(np.cos(np.pi / 4) * (1 - 5) / (4 + np.sqrt(32)))
    best = np.array([5, 5, 3, 1, 1, 1, 3, 5], float)
    assert iso_coordinates(best)[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="8 ratings"):
        iso_coordinates(np.ones((3, 7)))
