"""The plugin system: manifests read without importing code, opt-in enabling, isolation of failures,
API version checks, a plugin installed with pip (entry point) used in a real engine job, and the engine
listing a registry's names and refusing an unknown noise initialiser at submission."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.engine_api import EngineAPI, EngineError
from app.engine_process import LocalEngine
from engine.plugins import API_VERSION, PluginError, PluginManager
from tests.plugin_folders import enable, use_plugin_folder, write_plugin

ROOT = Path(__file__).resolve().parents[1]


def _write_plugin(folder: Path, name: str, module_body: str, api_version: int = API_VERSION) -> Path:
    return write_plugin(folder, name, "noise_initialisers", {f"{name}.init": "make_noise"}, module_body, api_version)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("NOISELOOM_CONFIG_DIR", str(tmp_path / "config"))
    folder = tmp_path / "plugins"
    folder.mkdir()
    return folder


def test_manifests_are_read_without_importing_plugin_code(isolated):
    _write_plugin(isolated, "explodes_on_import", "raise RuntimeError('imported too early')\n")
    manager = PluginManager(folders=[isolated])
    [plugin] = manager.discover()
    assert plugin.name == "explodes_on_import" and not plugin.enabled
    assert [c.id for c in plugin.contributions] == ["explodes_on_import.init"]
    assert "explodes_on_import.impl" not in sys.modules
    assert manager.contributions("noise_initialisers") == [], "disabled plugins contribute nothing"


def test_enable_persists_and_a_failing_plugin_is_disabled_with_its_traceback(isolated):
    _write_plugin(isolated, "good", "def make_noise():\n    return 'noise'\n")
    _write_plugin(isolated, "bad", "raise RuntimeError('boom at import')\n")
    manager = PluginManager(folders=[isolated])
    manager.discover()
    manager.set_enabled("good", True)
    manager.set_enabled("bad", True)

    again = PluginManager(folders=[isolated])
    again.discover()
    loaded, failed = [], []
    for contribution in again.contributions("noise_initialisers"):
        try:
            loaded.append(again.load(contribution)())
        except PluginError as exc:
            failed.append(str(exc))
    assert loaded == ["noise"]
    assert len(failed) == 1 and "bad" in failed[0] and "boom at import" in failed[0]

    after = PluginManager(folders=[isolated])
    plugins = {p.name: p for p in after.discover()}
    assert plugins["good"].enabled and not plugins["bad"].enabled
    assert "RuntimeError: boom at import" in plugins["bad"].error


def test_api_version_mismatch_is_refused_clearly(isolated):
    _write_plugin(isolated, "future", "def make_noise():\n    return 1\n", api_version=API_VERSION + 1)
    manager = PluginManager(folders=[isolated])
    manager.discover()
    with pytest.raises(PluginError, match=f"targets plugin API {API_VERSION + 1}.*offers plugin API {API_VERSION}"):
        manager.set_enabled("future", True)


def test_broken_manifests_are_reported_not_fatal(isolated):
    (isolated / "broken").mkdir()
    (isolated / "broken" / "noiseloom.toml").write_text('name = "Bad Name"\nversion = "1"\napi_version = 1\n')
    (isolated / "unknown").mkdir()
    (isolated / "unknown" / "noiseloom.toml").write_text(
        'name = "unknown"\nversion = "1"\napi_version = 1\n'
        '[[contributes.teleporters]]\nid = "x"\npython = "a:b"\n')
    manager = PluginManager(folders=[isolated])
    assert manager.discover() == []
    assert any("manifest field name" in p for p in manager.problems)
    assert any("unknown extension point" in p and "teleporters" in p for p in manager.problems)


def _pip_install_plugin(tmp_path: Path) -> Path:
    """pip-install the README's example plugin (tests/plugins/reverse_text) into a folder of its own."""
    source = shutil.copytree(ROOT / "tests/plugins/reverse_text", tmp_path / "src")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--no-build-isolation", "--target", str(site), str(source)], check=True)
    return site


def test_an_installed_entry_point_plugin_is_discovered_enabled_used_and_removed(tmp_path, monkeypatch):
    site = _pip_install_plugin(tmp_path)
    monkeypatch.setenv("NOISELOOM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PYTHONPATH", f"{site}:{ROOT}")
    monkeypatch.syspath_prepend(str(site))

    cli = [sys.executable, "-m", "app.cli", "plugins"]
    listed = json.loads(subprocess.run([*cli, "list", "--json"], capture_output=True, text=True,
                                       check=True, cwd=ROOT).stdout)
    [plugin] = [p for p in listed["plugins"] if p["name"] == "reverse-text"]
    assert plugin["source"] == "distribution nl-reverse" and not plugin["enabled"]
    assert plugin["contributes"] == {"job_kinds": ["text.reverse"]}
    subprocess.run([*cli, "enable", "reverse-text"], check=True, cwd=ROOT, capture_output=True)

    with LocalEngine(tmp_path / "engine", devices="cpu:1") as engine:
        api = EngineAPI(engine.url, engine.token)
        job = api.run("text.reverse", {"text": "loom"})
        assert job["status"] == "completed", job
        api.download(job["id"], "reversed.txt", tmp_path / "out.txt")
        assert (tmp_path / "out.txt").read_text() == "mool"
        assert any(p["name"] == "reverse-text" and p["enabled"] for p in api._call("GET", "/api/plugins")["plugins"])
        api.close()

    shutil.rmtree(site)  # removing the installed distribution removes the plugin
    gone = json.loads(subprocess.run([*cli, "list", "--json"], capture_output=True, text=True,
                                     check=True, cwd=ROOT).stdout)
    assert "reverse-text" not in [p["name"] for p in gone["plugins"]]


def test_builtin_plugins_are_enabled_until_disabled(tmp_path, monkeypatch):
    monkeypatch.setenv("NOISELOOM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("NOISELOOM_PLUGIN_PATH", "")
    manager = PluginManager()
    plugins = {p.name: p for p in manager.discover()}
    assert plugins["flow-noise"].builtin and plugins["flow-noise"].enabled
    manager.set_enabled("flow-noise", False)
    again = PluginManager()
    assert not {p.name: p for p in again.discover()}["flow-noise"].enabled
    assert "flow-warp" not in [c.id for c in again.contributions("noise_initialisers")]
    again.set_enabled("flow-noise", True)
    assert "flow-warp" in [c.id for c in again.contributions("noise_initialisers")]


def test_the_engine_lists_registry_names_and_refuses_an_unknown_noise_at_submission(tmp_path, monkeypatch):
    folder = use_plugin_folder(monkeypatch, tmp_path)
    write_plugin(folder, "plain_noise", "noise_initialisers", {"plain": "make_plain"},
                 "raise RuntimeError('imported at submission')\n")
    core_and_builtin = ["pool", "flow-warp", "freenoise", "look-back"]
    with LocalEngine(tmp_path / "engine", devices="cpu:1") as engine:
        api = EngineAPI(engine.url, engine.token)

        def entries(point: str) -> dict[str, dict]:
            return {e["name"]: e for e in api._call("GET", f"/api/registries/{point}")["entries"]}

        assert list(entries("noise_initialisers")) == core_and_builtin
        assert entries("noise_initialisers")["pool"]["plugin"] == "noiseloom"
        assert list(entries("prompt_transitions")) == ["linear", "smoothstep", "cosine", "cut"]
        with pytest.raises(EngineError) as unknown_point:
            api._call("GET", "/api/registries/teleporters")
        assert unknown_point.value.status == 404 and "prompt_transitions" in str(unknown_point.value)

        with pytest.raises(EngineError) as refused:
            api.submit("video.generate", {"prompt": "a red ball", "noise": "plain"})
        assert refused.value.status == 422
        [error] = refused.value.detail
        assert error["loc"] == ["body", "params", "noise"]
        assert f"no noise initialiser 'plain'; available: {', '.join(core_and_builtin)}" in error["msg"]
        assert "noiseloom plugins enable" in error["msg"]

        enable("plain_noise")
        assert entries("noise_initialisers")["plain"] == {"name": "plain", "title": "plain from plain_noise",
                                                          "plugin": "plain_noise"}
        job = api.submit("video.generate", {"prompt": "a red ball", "noise": "plain"})
        assert job["status"] == "pending", "an enabled plugin's name is accepted without importing its code"
        api.cancel(job["id"])
        api.close()
