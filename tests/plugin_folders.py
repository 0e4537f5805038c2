"""Real plugin folders for tests: a package with a manifest and one module, in a folder that
``NOISELOOM_PLUGIN_PATH`` points at, enabled in a private config folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from engine.plugins import API_VERSION, PluginManager

# a masker source that renders a 2 s, 120 Hz hum (the module body of a masker_sources plugin)
HUM = """
import numpy as np

from engine.audio.soundscape.maskers import SourcedMasker


def _hum():
    t = np.arange(2 * 22050) / 22050
    return 0.25 * np.sin(2 * np.pi * 120 * t), 22050


def offers():
    yield SourcedMasker("hum", "tone", "CC-BY-4.0", "a 120 Hz hum, v1", render=_hum)
"""


def write_plugin(folder: Path, name: str, point: str, contributions: dict[str, str], module_body: str,
                 api_version: int = API_VERSION) -> Path:
    """The plugin package ``folder/name``: its module ``impl.py`` holds ``module_body``; each
    ``id: attribute`` of ``contributions`` contributes ``name.impl:attribute`` to ``point``."""
    package = folder / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "impl.py").write_text(textwrap.dedent(module_body))
    entries = "".join(f'\n[[contributes.{point}]]\nid = "{cid}"\ntitle = "{cid} from {name}"\n'
                      f'python = "{name}.impl:{attribute}"\n' for cid, attribute in contributions.items())
    (package / "noiseloom.toml").write_text(
        f'name = "{name}"\nversion = "0.2.0"\napi_version = {api_version}\nruns_in = ["engine"]\n{entries}')
    return package


def use_plugin_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh plugin folder on ``NOISELOOM_PLUGIN_PATH`` and a private config folder (for this process
    and the engines it starts); returns the plugin folder."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    monkeypatch.setenv("NOISELOOM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("NOISELOOM_PLUGIN_PATH", str(folder))
    return folder


def enable(*names: str) -> PluginManager:
    """Enable the named plugins (as ``noiseloom plugins enable`` does); the manager that did it."""
    manager = PluginManager()
    manager.discover()
    for name in names:
        manager.set_enabled(name, True)
    return manager
