"""The shipped masker bank (the procedural-maskers plugin's renders), its manifest, and indexing users' folders."""

import json

import numpy as np
import soundfile as sf

from engine.audio.soundscape.maskers import index_folder, index_maskers
from engine.resources import resource_path
from plugins.procedural_maskers.recipes import RECIPES, render_masker

BUILTIN_MASKER_DIR = resource_path("maskers")


def test_builtin_bank_matches_its_manifest():
    manifest = json.loads((BUILTIN_MASKER_DIR / "manifest.json").read_text())["maskers"]
    assert len(manifest) >= 12
    assert len({m["class"] for m in manifest}) >= 6
    total = 0
    for m in manifest:
        path = BUILTIN_MASKER_DIR / m["file"]
        info = sf.info(str(path))
        assert info.samplerate == m["sample_rate"] == 44100
        assert abs(info.frames / info.samplerate - m["duration_s"]) < 1e-6 and m["duration_s"] == 30.0
        assert m["licence"] and m["source"]
        total += path.stat().st_size
    assert total < 25e6
    index = index_maskers()
    assert {m.name for m in index.maskers} >= {m["name"] for m in manifest}
    assert index.problems == []


def test_synthesis_is_deterministic_and_seeded():
    recipe = RECIPES[0]
    a, b = render_masker(recipe, 5, 2.0), render_masker(recipe, 5, 2.0)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, render_masker(recipe, 6, 2.0))


def test_user_folder_broken_files_are_skipped_and_reported(audio_dir):
    index = index_folder(audio_dir / "maskers")
    names = {m.name: m for m in index.maskers}
    assert set(names) == {"thrush", "stream", "pink"}
    assert names["thrush"].masker_class == "birds" and names["stream"].masker_class == "user"
    reasons = {p["path"].rsplit("/", 1)[-1]: p["reason"] for p in index.problems}
    assert "not an audio file" in reasons["notaudio.wav"]
    assert "too short" in reasons["tiny.wav"]
