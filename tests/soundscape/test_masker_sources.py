"""Masker sources as an extension point: the bank indexes a plugin's maskers (files, and audio rendered
once into the cache), the procedural bank is a built-in plugin that renders the shipped files exactly
and can be disabled, failing sources are isolated, and a search job through the engine uses them."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from app.engine_api import EngineAPI
from app.engine_process import LocalEngine
from engine.audio.soundscape.maskers import index_maskers
from engine.resources import resource_path
from plugins.procedural_maskers.bank import seeded_recipes
from plugins.procedural_maskers.render import render_bank
from tests.plugin_folders import enable, use_plugin_folder, write_plugin

pytestmark = pytest.mark.timeout(600)

PROCEDURAL = {recipe.name for recipe, _ in seeded_recipes()}

TONES = """
from pathlib import Path

import numpy as np

from engine.audio.soundscape.maskers import SourcedMasker

RENDERS = []


def _hum():
    RENDERS.append("hum")
    t = np.arange(3 * 22050) / 22050
    return 0.1 * np.sin(2 * np.pi * 120 * t), 22050


def make_tones():
    here = Path(__file__).parent
    yield SourcedMasker("chime", "tone", "CC0-1.0", "test plugin: a shipped file", file=here / "chime.wav")
    yield SourcedMasker("hum", "tone", "CC0-1.0", "test plugin: a 120 Hz hum, v1", render=_hum)
"""

HALFWAY = """
from engine.audio.soundscape.maskers import SourcedMasker


def make_flaky():
    yield SourcedMasker("never", "x", "CC0-1.0", "x", file="/nowhere.wav")
    raise RuntimeError("the masker server is down")
"""


def _tones_plugin(folder, name: str):
    package = write_plugin(folder, name, "masker_sources", {"tones": "make_tones"}, TONES)
    t = np.arange(2 * 44100) / 44100
    sf.write(package / "chime.wav", 0.1 * np.sin(2 * np.pi * 880 * t) * np.exp(-t), 44100)
    return package


@pytest.fixture
def plugin_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NOISELOOM_CACHE_DIR", str(tmp_path / "cache"))
    return use_plugin_folder(monkeypatch, tmp_path)


def test_a_plugin_source_is_indexed_and_its_renders_are_cached(plugin_folder, tmp_path):
    _tones_plugin(plugin_folder, "tone_maskers")
    assert {m.name for m in index_maskers().maskers} == PROCEDURAL, "disabled until enabled"
    enable("tone_maskers")
    index = index_maskers()
    found = {m.name: m for m in index.maskers}
    assert set(found) == PROCEDURAL | {"chime", "hum"} and index.problems == []
    assert (found["chime"].masker_class, found["chime"].licence) == ("tone", "CC0-1.0")
    assert found["hum"].source == "test plugin: a 120 Hz hum, v1" and found["hum"].sample_rate == 22050
    assert found["hum"].path.startswith(str(tmp_path / "cache" / "masker-sources" / "tone_maskers" / "tones"))
    assert found["hum"].duration_s == pytest.approx(3.0)
    from tone_maskers.impl import RENDERS

    index_maskers()
    assert RENDERS == ["hum"], "rendered once, then read from the cache"


def test_the_procedural_bank_is_a_plugin_that_renders_the_shipped_files_and_can_be_disabled(plugin_folder, tmp_path):
    written = render_bank(tmp_path / "bank", ["pink_noise", "bird_dove"])
    for path in written:
        ours, _ = sf.read(path, dtype="int16")
        shipped, _ = sf.read(resource_path("maskers", path.name), dtype="int16")
        assert np.array_equal(ours, shipped), f"{path.name} re-renders bit for bit"
    shipped = {m.name: m for m in index_maskers().maskers}
    assert set(shipped) == PROCEDURAL and all(m.licence.startswith("CC0") for m in shipped.values())
    assert shipped["stream"].path == str(resource_path("maskers", "stream.flac")), "the shipped render is used"

    _tones_plugin(plugin_folder, "tone_maskers_b")
    manager = enable("tone_maskers_b")
    manager.set_enabled("procedural-maskers", False)
    assert {m.name for m in index_maskers().maskers} == {"chime", "hum"}
    manager.set_enabled("tone_maskers_b", False)
    with pytest.raises(ValueError, match="no usable masker files.*noiseloom plugins enable procedural-maskers"):
        index_maskers()


def test_failing_sources_are_disabled_with_their_traceback_and_the_rest_is_indexed(plugin_folder):
    write_plugin(plugin_folder, "flaky_maskers", "masker_sources", {"flaky": "make_flaky"}, HALFWAY)
    write_plugin(plugin_folder, "broken_maskers", "masker_sources", {"broken": "make_broken"}, "import no_such_masker_sdk\n")
    enable("flaky_maskers", "broken_maskers")
    index = index_maskers()
    assert {m.name for m in index.maskers} == PROCEDURAL
    reasons = " | ".join(p["reason"] for p in index.problems)
    assert "RuntimeError: the masker server is down; plugin 'flaky_maskers' has been disabled" in reasons
    assert "'broken_maskers' failed to load masker_sources 'broken'" in reasons
    manager = enable()
    for name, error in (("flaky_maskers", "the masker server is down"), ("broken_maskers", "no_such_masker_sdk")):
        assert not manager.plugins[name].enabled and error in manager.plugins[name].error


def test_a_search_job_through_the_engine_ranks_a_plugins_maskers(plugin_folder, audio_dir, tmp_path):
    _tones_plugin(plugin_folder, "tone_maskers_c")
    write_plugin(plugin_folder, "broken_search", "masker_sources", {"broken": "make_broken"}, "raise OSError('disk gone')\n")
    enable("tone_maskers_c", "broken_search")
    params = {"soundscape": str(audio_dir / "street.wav"), "only": ["chime", "hum", "pink_noise"],
              "snr_min_db": -3, "snr_max_db": 3, "snr_step_db": 3, "top_k": 9}
    with LocalEngine(tmp_path / "engine", devices="cpu:1") as engine:
        api = EngineAPI(engine.url, engine.token)
        job = api.run("soundscape.search", params)
        assert job["status"] == "completed", job.get("error")
        result = job["result"]
        assert result["maskers_searched"] == 3
        assert {row["masker"] for row in result["ranking"]} == {"chime", "hum", "pink_noise"}
        assert any("disk gone" in p["reason"] for p in result["maskers_skipped"])
        enable().set_enabled("procedural-maskers", False)
        gone = api.run("soundscape.search", params)
        assert gone["status"] == "failed" and "unknown masker names ['pink_noise']; known: chime, hum" in gone["error"]
        again = api.run("soundscape.search", {**params, "only": ["hum"]})
        assert again["status"] == "completed" and again["result"]["maskers_searched"] == 1
        api.close()
