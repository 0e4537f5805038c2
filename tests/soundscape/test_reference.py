"""A tiny check of the feature-domain indicators against the standard computation with mosqito."""

import numpy as np
import pytest

from engine.audio.io import read_audio
from engine.audio.soundscape.features import ANALYSIS_RATE, features_of_clip
from engine.audio.soundscape.indicators import indicators
from engine.audio.soundscape.reference import reference_indicators
from engine.audio.soundscape.search import calibration_for_level


def test_feature_indicators_agree_with_mosqito_on_a_short_street(audio_dir):
    clip = read_audio(audio_dir / "street.wav", sample_rate=ANALYSIS_RATE)
    short = clip.samples[: 3 * ANALYSIS_RATE]
    from engine.audio.io import AudioClip

    feats = features_of_clip(AudioClip(short, ANALYSIS_RATE))
    cal = calibration_for_level(feats, 65.0)
    fast = indicators(feats.powers.astype(float)[2:], cal)  # skip the first 0.5 s like the reference
    ref = reference_indicators(short.mean(axis=1), ANALYSIS_RATE, cal)
    assert fast["LAeq"] == pytest.approx(ref["LAeq"], abs=0.5)
    assert fast["LC_LA"] == pytest.approx(ref["LC_LA"], abs=1.0)
    assert fast["N5"] == pytest.approx(ref["N5"], rel=0.12)
    assert fast["S"] == pytest.approx(ref["S"], abs=0.15)
    assert np.isfinite(ref["LA10_LA90"])
