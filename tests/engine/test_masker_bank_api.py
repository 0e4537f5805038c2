"""The masker bank over real loopback HTTP: ``GET /api/maskers`` lists what the engine sees (the enabled
masker sources' maskers with the plugin that contributed each, the user's folders, broken entries as
problems), follows plugins being enabled and disabled, serves a plugin's rendered masker through
``/api/maskers/audio`` by name only, and survives a masker source that kills its indexing process."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from app.engine_process import LocalEngine
from plugins.procedural_maskers.bank import LICENCE, seeded_recipes
from tests.plugin_folders import HUM, enable, write_plugin

pytestmark = pytest.mark.timeout(300)

PROCEDURAL = {recipe.name for recipe, _ in seeded_recipes()}


CRASH = """
import os


def offers():
    os._exit(3)
"""


@pytest.fixture(scope="module")
def bank_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalEngine, Path]]:
    """An engine whose plugin path is a fresh folder, with its own config and render cache."""
    root = tmp_path_factory.mktemp("bank")
    plugins = root / "plugins"
    plugins.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NOISELOOM_PLUGIN_PATH", str(plugins))
        patch.setenv("NOISELOOM_CONFIG_DIR", str(root / "config"))
        patch.setenv("NOISELOOM_CACHE_DIR", str(root / "cache"))
        write_plugin(plugins, "hum_maskers", "masker_sources", {"hum": "offers"}, HUM)
        write_plugin(plugins, "crashing_maskers", "masker_sources", {"crash": "offers"}, CRASH)
        with LocalEngine(root / "engine", devices="cpu:1") as engine:
            yield engine, root


def _get(engine: LocalEngine, path: str, **params) -> httpx.Response:
    return httpx.get(f"{engine.url}{path}", params=params, timeout=120,
                     headers={"Authorization": f"Bearer {engine.token}"})


def test_the_listing_is_the_engines_bank_with_user_folders_and_broken_entries(bank_engine, tmp_path):
    engine, _root = bank_engine
    assert httpx.get(f"{engine.url}/api/maskers").status_code == 401
    folder = tmp_path / "mine"
    folder.mkdir()
    sf.write(folder / "fan.flac", 0.1 * np.random.default_rng(1).standard_normal(3 * 16000), 16000)
    (folder / "broken.wav").write_bytes(b"RIFF not audio")
    sf.write(folder / "click.wav", np.zeros(400), 16000)
    listing = _get(engine, "/api/maskers", folder=[str(folder), str(tmp_path / "gone")]).json()
    found = {m["name"]: m for m in listing["maskers"]}
    assert set(found) == PROCEDURAL | {"fan"}, "plugins are disabled until enabled; the procedural bank is built in"
    stream = found["stream"]
    assert (stream["plugin"], stream["licence"], stream["masker_class"]) == ("procedural-maskers", LICENCE, "water")
    assert stream["duration_s"] == pytest.approx(30.0) and stream["sample_rate"] == 44100
    assert "seed" in stream["source"] and stream["folder"] == ""
    fan = found["fan"]
    assert (fan["plugin"], fan["folder"], fan["sample_rate"]) == ("", str(folder), 16000)
    assert fan["duration_s"] == pytest.approx(3.0)
    reasons = {Path(p["path"]).name: p["reason"] for p in listing["problems"]}
    assert "not an audio file" in reasons["broken.wav"] and "too short" in reasons["click.wav"]
    assert "is not a folder" in reasons["gone"]


def test_plugins_maskers_come_and_go_with_the_plugin_and_their_renders_are_served(bank_engine):
    engine, root = bank_engine
    manager = enable("hum_maskers")
    listing = _get(engine, "/api/maskers").json()
    hum = next(m for m in listing["maskers"] if m["name"] == "hum")
    assert (hum["plugin"], hum["licence"], hum["sample_rate"]) == ("hum_maskers", "CC-BY-4.0", 22050)
    assert Path(hum["path"]).is_relative_to(root / "cache" / "masker-sources" / "hum_maskers")

    served = _get(engine, "/api/maskers/audio", name="hum")
    assert served.status_code == 200
    samples, rate = sf.read(io.BytesIO(served.content), dtype="float32")
    t = np.arange(2 * 22050) / 22050
    assert rate == 22050 and np.abs(samples - 0.25 * np.sin(2 * np.pi * 120 * t)).max() < 1e-3

    manager.set_enabled("procedural-maskers", False)
    try:
        assert {m["name"] for m in _get(engine, "/api/maskers").json()["maskers"]} == {"hum"}
        gone = _get(engine, "/api/maskers/audio", name="stream")
        assert gone.status_code == 404 and "no masker 'stream'" in gone.json()["detail"]
    finally:
        manager.set_enabled("procedural-maskers", True)
        manager.set_enabled("hum_maskers", False)
    assert "hum" not in {m["name"] for m in _get(engine, "/api/maskers").json()["maskers"]}


def test_only_files_of_the_index_are_served(bank_engine, tmp_path):
    engine, _root = bank_engine
    secret = tmp_path / "secret.wav"
    sf.write(secret, np.zeros(48000), 48000)
    for name in (str(secret), "../../../../etc/passwd", "%2e%2e/token", "stream/../../token"):
        answer = _get(engine, "/api/maskers/audio", name=name)
        assert answer.status_code == 404 and "no masker" in answer.json()["detail"], name
    assert _get(engine, "/api/maskers/audio").status_code == 422          # the name is required
    assert _get(engine, "/api/maskers/audio", name="stream").content[:4] == b"fLaC"


def test_a_masker_source_that_kills_its_process_costs_one_listing_not_the_engine(bank_engine):
    engine, _root = bank_engine
    manager = enable("crashing_maskers")
    try:
        crashed = _get(engine, "/api/maskers")
        assert crashed.status_code == 503 and "disable that plugin" in crashed.json()["detail"]
        assert httpx.get(f"{engine.url}/api/health").json()["status"] == "ok"
    finally:
        manager.set_enabled("crashing_maskers", False)
    assert {m["name"] for m in _get(engine, "/api/maskers").json()["maskers"]} == PROCEDURAL
