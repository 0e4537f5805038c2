"""The feature-domain search: its power-addition assumption, gain convention and output."""

import numpy as np
import pytest

from engine.audio.io import AudioClip, read_audio
from engine.audio.soundscape.features import ANALYSIS_RATE, features_of_clip, features_of_file
from engine.audio.soundscape.indicators import indicators, laeq
from engine.audio.soundscape.mix import mix
from engine.audio.soundscape.model import load_model
from engine.audio.soundscape.search import (
    MaskerFeatures,
    anchor_columns,
    calibration_for_level,
    search,
    tile_frames,
)


@pytest.fixture(scope="module")
def clips(audio_dir):
    street = read_audio(audio_dir / "street.wav", sample_rate=ANALYSIS_RATE)
    stream = read_audio(audio_dir / "maskers" / "stream.wav", sample_rate=ANALYSIS_RATE)
    return street, stream


def test_power_addition_matches_mixing_waveforms(clips):
    street, stream = clips
    s, m = features_of_clip(street), features_of_clip(stream)
    cal = calibration_for_level(s, 65.0)
    for gain_db in (-12.0, 0.0, 6.0):
        mixed = mix(street, stream, gain_db, avoid_clipping=False)
        real = features_of_clip(AudioClip(mixed.samples, mixed.sample_rate)).powers.astype(float)
        predicted = s.powers + 10 ** (gain_db / 10) * tile_frames(m.powers, s.powers.shape[0])
        # per 25 ms sub-frame (its 5 ms pieces carry larger cross terms; the indicators below use them)
        sub_real, sub_predicted = real.mean(axis=2), predicted.mean(axis=2)
        err_db = np.abs(10 * np.log10(sub_predicted / sub_real))
        audible = 10 * np.log10(sub_real) + cal > 20  # bands a listener could hear
        assert np.median(err_db[audible]) < 0.5 and np.percentile(err_db[audible], 95) < 2.0
        a, b = indicators(real, cal), indicators(predicted, cal)
        assert abs(a["LAeq"] - b["LAeq"]) < 0.1
        assert abs(a["N5"] - b["N5"]) / a["N5"] < 0.03
        assert abs(a["S"] - b["S"]) < 0.03


def test_search_output_and_araus_gain_convention(audio_dir, cache_dir):
    s = features_of_file(audio_dir / "street.wav", cache_dir=cache_dir)
    maskers = [MaskerFeatures(name, cls, features_of_file(audio_dir / "maskers" / path, cache_dir=cache_dir))
               for name, cls, path in [("stream", "water", "stream.wav"), ("thrush", "bird", "birds/thrush.flac")]]
    cal = calibration_for_level(s, 60.0)
    snr = np.arange(-6, 6.01, 1.0)
    r = search(s, maskers, load_model(), cal, snr_db=snr, top_k=5)
    assert r["combinations"] == 2 * 13 and len(r["ranking"]) == 5
    assert r["soundscape_laeq_dba"] == pytest.approx(60.0, abs=1e-6)
    scores = [row["isopl"] for row in r["ranking"]]
    assert scores == sorted(scores, reverse=True)
    assert max(row["isopl"] for row in r["rows"]) == scores[0]
    for row in r["rows"]:
        assert row["masker_level_dba"] == pytest.approx(60.0 - row["snr_db"], abs=1e-3)
        m = maskers[0] if row["masker"] == "stream" else maskers[1]
        played = tile_frames(m.features.powers.astype(float), s.powers.shape[0]) * 10 ** (row["gain_db"] / 10)
        assert float(laeq(played, cal)) == pytest.approx(row["masker_level_dba"], abs=0.01)
    assert {c["masker"] for c in r["best_per_masker"]} == {"stream", "thrush"}
    for c in r["best_per_masker"]:
        assert len(c["isopl"]) == 13 and c["best"]["isopl"] == max(c["isopl"])
    absolute = search(s, maskers, load_model(), cal, masker_levels_dba=np.array([50.0, 55.0]))
    assert [row["snr_db"] for row in absolute["rows"][:2]] == pytest.approx([10.0, 5.0], abs=1e-3)
    with pytest.raises(ValueError, match="exactly one"):
        search(s, maskers, load_model(), cal)


def test_anchor_gains_cover_the_range_at_most_the_spacing_apart():
    levels = 65.0 - np.arange(-6, 6.01, 0.5)
    anchors = anchor_columns(levels, 2.0)
    chosen = np.sort(levels[anchors])
    assert chosen[0] == levels.min() and chosen[-1] == levels.max()
    assert np.max(np.diff(chosen)) <= 2.0 and anchors.size < levels.size
    assert anchor_columns(levels, 0.0).size == levels.size
    assert sorted(anchor_columns(np.array([60.0, 60.0]), 2.0)) == [0, 1]


def test_loudness_interpolated_between_anchor_gains_stays_close_to_every_gain(audio_dir, cache_dir):
    s = features_of_file(audio_dir / "street.wav", cache_dir=cache_dir)
    maskers = [MaskerFeatures(name, "test", features_of_file(audio_dir / "maskers" / path, cache_dir=cache_dir))
               for name, path in [("stream", "stream.wav"), ("thrush", "birds/thrush.flac")]]
    cal = calibration_for_level(s, 65.0)
    snr = np.arange(-6, 6.01, 0.5)
    fast = search(s, maskers, load_model(), cal, snr_db=snr)["rows"]
    exact = search(s, maskers, load_model(), cal, snr_db=snr, anchor_db=0.0)["rows"]
    for name, tolerance in (("N5", 0.3), ("S", 0.005), ("isopl", 0.008), ("LAeq", 1e-9)):
        assert max(abs(a[name] - b[name]) for a, b in zip(fast, exact, strict=True)) <= tolerance, name


def test_feature_cache_is_keyed_by_content(audio_dir, cache_dir, tmp_path):
    import shutil

    copy = tmp_path / "renamed.wav"
    shutil.copy(audio_dir / "street.wav", copy)
    a = features_of_file(audio_dir / "street.wav", cache_dir=cache_dir)
    before = set(cache_dir.iterdir())
    b = features_of_file(copy, cache_dir=cache_dir)
    assert set(cache_dir.iterdir()) == before
    np.testing.assert_array_equal(a.powers, b.powers)
