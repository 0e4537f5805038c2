"""Small real audio files for the soundscape tests (written with soundfile into tmp folders)."""

import numpy as np
import pytest
import soundfile as sf

from engine.audio.soundscape.synthesis import SAMPLE_RATE, traffic
from plugins.procedural_maskers.recipes import RECIPES, render_masker


@pytest.fixture(autouse=True)
def _default_plugins(tmp_path_factory, monkeypatch):
    """Every test sees the plugins' default state (the built-in ones enabled), not the user's."""
    monkeypatch.setenv("NOISELOOM_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("NOISELOOM_PLUGIN_PATH", "")


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory):
    """A 6 s stereo traffic soundscape at 48 kHz and a folder of three short maskers plus broken files."""
    root = tmp_path_factory.mktemp("soundscape_audio")
    street = traffic(seed=101, duration_s=6.0)
    import soxr

    sf.write(root / "street.wav", soxr.resample(street, SAMPLE_RATE, 48000), 48000, subtype="PCM_24")
    maskers = root / "maskers"
    (maskers / "birds").mkdir(parents=True)
    recipes = {r.name: r for r in RECIPES}
    sf.write(maskers / "birds" / "thrush.flac", render_masker(recipes["bird_thrush"], 1, 4.0), SAMPLE_RATE)
    sf.write(maskers / "stream.wav", render_masker(recipes["stream"], 2, 4.0), SAMPLE_RATE)
    sf.write(maskers / "pink.flac", render_masker(recipes["pink_noise"], 3, 3.0), 32000)
    (maskers / "notaudio.wav").write_bytes(b"RIFF this is not a wave file")
    sf.write(maskers / "tiny.wav", np.zeros(100), SAMPLE_RATE)
    return root


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("feature_cache")
