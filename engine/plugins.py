"""The plugin registry: discovery, manifests, enable/disable state, isolated loading.

A plugin is a folder or an installed distribution with a ``noiseloom.toml`` manifest: name, version,
plugin API version, where it runs (engine, app or both) and what it contributes to each extension
point. Manifests are read without importing any plugin code (as napari's npe2 does); a contribution's
code is imported only when it is used. Plugins are disabled until the user enables them. A plugin that
fails to load is disabled and its traceback recorded; nothing else stops.

Discovery looks in: the project's own ``plugins/`` folder, the folders in ``NOISELOOM_PLUGIN_PATH``
(``os.pathsep``-separated), the user's plugin folder, and Python entry points of the group
``noiseloom.plugins`` whose value is ``package:noiseloom.toml``.

This module imports neither Qt nor torch: the engine and the app both use it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import os
import re
import sys
import tomllib
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.atomic import write_json_atomic

API_VERSION = 1
ENTRY_POINT_GROUP = "noiseloom.plugins"
MANIFEST = "noiseloom.toml"

EXTENSION_POINTS: dict[str, str] = {
    "noise_initialisers": "engine",  # engine.video.noise_registry.NOISE_INITIALISERS
    "prompt_transitions": "engine",  # engine.video.transitions.PROMPT_TRANSITIONS
    "masker_sources": "engine",      # engine.audio.soundscape.maskers.index_maskers
    "spatial_renderers": "engine",   # engine.audio.spatial.spec.SPATIAL_RENDERERS
    "job_kinds": "engine",           # register_enabled_job_kinds
    "exporters": "app",              # app.plugin_host, noiseloom export/import
    "app_panels": "app",             # app.plugin_host
    "app_actions": "app",            # app.plugin_host
}

_MODULE_ATTR = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_BUILTIN_FOLDER = Path(__file__).resolve().parents[1] / "plugins"
CORE = "noiseloom"  # the provider named on the core's own registry entries


class ContributionModel(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(..., pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str = ""
    python: str = Field(..., pattern=_MODULE_ATTR.pattern,
                        description="module:attribute of the object this contribution provides")


class ManifestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., pattern=r"^[a-z0-9][a-z0-9_-]*$")
    version: str
    api_version: int
    description: str = ""
    runs_in: list[Literal["engine", "app"]] = Field(default_factory=lambda: ["engine"])
    contributes: dict[str, list[ContributionModel]] = Field(default_factory=dict)


class PluginError(RuntimeError):
    """A plugin could not be used; the message says which plugin and why."""


@dataclass(frozen=True)
class Contribution:
    plugin: str
    point: str
    id: str
    title: str
    python: str
    extra: dict[str, Any]


@dataclass
class Plugin:
    name: str
    version: str
    api_version: int
    description: str
    runs_in: list[str]
    source: str
    import_root: Path | None
    contributions: list[Contribution] = field(default_factory=list)
    enabled: bool = False
    error: str | None = None
    builtin: bool = False

    @property
    def compatible(self) -> bool:
        return self.api_version == API_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "api_version": self.api_version,
            "description": self.description, "runs_in": self.runs_in, "source": self.source,
            "enabled": self.enabled, "builtin": self.builtin, "compatible": self.compatible,
            "error": self.error,
            "contributes": {point: [c.id for c in self.contributions if c.point == point]
                            for point in sorted({c.point for c in self.contributions})},
        }


def config_dir() -> Path:
    base = os.environ.get("NOISELOOM_CONFIG_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(xdg) / "noiseloom"


def user_plugin_folder() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(xdg) / "noiseloom" / "plugins"


def read_manifest(path: Path, source: str, import_root: Path | None) -> Plugin:
    """Parse and validate a manifest file; raises PluginError naming the file and the field."""
    try:
        data = tomllib.loads(path.read_text())
        manifest = ManifestModel.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PluginError(f"{path}: cannot read the plugin manifest: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PluginError(f"{path}: manifest field {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    unknown = sorted(set(manifest.contributes) - set(EXTENSION_POINTS))
    if unknown:
        raise PluginError(f"{path}: unknown extension point(s) {unknown}; known: {sorted(EXTENSION_POINTS)}")
    for item in manifest.contributes.get("job_kinds", []):
        if not _MODULE_ATTR.match(str((item.model_extra or {}).get("runner", ""))):
            raise PluginError(f"{path}: job kind {item.id!r} needs runner = \"module:function\"")
    contributions = [Contribution(manifest.name, point, item.id, item.title or item.id, item.python,
                                  item.model_extra or {})
                     for point, items in manifest.contributes.items() for item in items]
    return Plugin(manifest.name, manifest.version, manifest.api_version, manifest.description,
                  list(manifest.runs_in), source, import_root, contributions)


class PluginManager:
    """Discovers plugins, keeps their enabled state, and loads their contributions in isolation."""

    def __init__(self, folders: list[Path] | None = None, state_file: Path | None = None):
        extra = [Path(p) for p in os.environ.get("NOISELOOM_PLUGIN_PATH", "").split(os.pathsep) if p]
        self.folders = folders if folders is not None else [_BUILTIN_FOLDER, *extra, user_plugin_folder()]
        self.state_file = state_file or config_dir() / "plugins.json"
        self.plugins: dict[str, Plugin] = {}
        self.problems: list[str] = []
        self._loaded: dict[str, Any] = {}

    # ---- state ------------------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, json.JSONDecodeError):
            return {"enabled": [], "disabled": [], "errors": {}}

    def _save_state(self, state: dict[str, Any]) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.state_file, state)

    def set_enabled(self, name: str, enabled: bool) -> Plugin:
        """Enable or disable a discovered plugin (enabling clears its last error)."""
        if name not in self.plugins:
            raise PluginError(f"no plugin called {name!r}; discovered: {', '.join(sorted(self.plugins)) or 'none'}")
        plugin = self.plugins[name]
        if enabled and not plugin.compatible:
            raise PluginError(_api_mismatch(plugin))
        state = self._state()
        on, off = set(state.get("enabled", [])), set(state.get("disabled", []))
        state["enabled"] = sorted(on | {name} if enabled else on - {name})
        state["disabled"] = sorted(off - {name} if enabled else off | {name})
        state.setdefault("errors", {}).pop(name, None)
        self._save_state(state)
        plugin.enabled, plugin.error = enabled, None
        return plugin

    # ---- discovery --------------------------------------------------------------------------
    def discover(self) -> list[Plugin]:
        """Read every manifest (no plugin code is imported). Broken manifests go to ``problems``."""
        self.plugins, self.problems = {}, []
        for folder in self.folders:
            if folder.is_dir():
                builtin = folder == _BUILTIN_FOLDER  # importable as the ``plugins`` package
                for manifest in sorted(folder.glob(f"*/{MANIFEST}")):
                    self._add(manifest, f"folder {manifest.parent}", None if builtin else folder, builtin)
        for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            package, _, filename = entry.value.partition(":")
            spec = importlib.util.find_spec(package)
            if spec is None or not spec.submodule_search_locations:
                self.problems.append(f"entry point {entry.name}: package {package!r} not found")
                continue
            path = Path(list(spec.submodule_search_locations)[0]) / (filename or MANIFEST)
            dist = entry.dist.name if entry.dist else entry.name
            self._add(path, f"distribution {dist}", None, builtin=False)
        state = self._state()
        for plugin in self.plugins.values():
            wanted = plugin.name in state.get("enabled", []) or (
                plugin.builtin and plugin.name not in state.get("disabled", []))
            plugin.enabled = wanted and plugin.compatible and plugin.name not in state.get("errors", {})
            plugin.error = state.get("errors", {}).get(plugin.name)
        return list(self.plugins.values())

    def _add(self, manifest: Path, source: str, import_root: Path | None, builtin: bool) -> None:
        try:
            plugin = read_manifest(manifest, source, import_root)
        except PluginError as exc:
            self.problems.append(str(exc))
            return
        plugin.builtin = builtin
        if plugin.name in self.plugins:
            self.problems.append(f"{manifest}: a plugin called {plugin.name!r} was already found in "
                                 f"{self.plugins[plugin.name].source}; this one is ignored")
            return
        self.plugins[plugin.name] = plugin

    def contributions(self, point: str) -> list[Contribution]:
        """The contributions of enabled plugins to ``point``."""
        if point not in EXTENSION_POINTS:
            raise KeyError(f"unknown extension point {point!r}")
        return [c for p in self.plugins.values() if p.enabled for c in p.contributions if c.point == point]

    # ---- loading ----------------------------------------------------------------------------
    def load(self, contribution: Contribution) -> Any:
        """Import a contribution's object. A failure disables its plugin, records the traceback and
        raises PluginError; the caller goes on without it."""
        key = f"{contribution.plugin}:{contribution.point}:{contribution.id}"
        if key not in self._loaded:
            plugin = self.plugins[contribution.plugin]
            if plugin.import_root is not None and str(plugin.import_root) not in sys.path:
                sys.path.append(str(plugin.import_root))
            try:
                target = import_object(contribution.python)
            except Exception as exc:  # isolate any failure of plugin code
                self.disable_with_error(plugin.name, traceback.format_exc())
                raise PluginError(f"plugin {plugin.name!r} failed to load {contribution.point} "
                                  f"{contribution.id!r}: {type(exc).__name__}: {exc}; it has been disabled") from exc
            self._loaded[key] = target
        return self._loaded[key]

    def disable_with_error(self, name: str, error: str) -> None:
        """Disable a plugin because it failed, keeping the traceback for the plugin manager to show."""
        state = self._state()
        state["enabled"] = [n for n in state.get("enabled", []) if n != name]
        state["disabled"] = sorted({*state.get("disabled", []), name})
        state.setdefault("errors", {})[name] = error
        self._save_state(state)
        if name in self.plugins:
            self.plugins[name].enabled = False
            self.plugins[name].error = error


def import_object(python: str) -> Any:
    """The object a ``module:attribute`` path names (the attribute may be dotted)."""
    module_name, attribute = python.split(":")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


def discovered() -> PluginManager:
    """A plugin manager that has read every manifest (no plugin code imported)."""
    manager = PluginManager()
    manager.discover()
    return manager


class ExtensionRegistry:
    """One extension point as a registry of named entries: the core's own, registered under the same
    interface as plugins' contributions, then the contributions of enabled plugins (a plugin cannot
    replace a core entry). Names are known from manifests alone; an entry's object is imported only
    when it is used, and a plugin that fails to load is disabled with its traceback (``load`` then
    raises a ``ValueError`` naming the field, which a job spec turns into a 422 error).
    """

    def __init__(self, point: str, what: str, core: Mapping[str, tuple[str, str]] | None = None):
        if point not in EXTENSION_POINTS:
            raise KeyError(f"unknown extension point {point!r}")
        self.point, self.what = point, what
        self._core = {name: Contribution(CORE, point, name, title, python, {})
                      for name, (python, title) in (core or {}).items()}

    @property
    def core_names(self) -> list[str]:
        return list(self._core)

    def entries(self, manager: PluginManager | None = None) -> dict[str, Contribution]:
        """Every usable entry by name: the core's first, then enabled plugins' in discovery order."""
        found = dict(self._core)
        for contribution in (manager or discovered()).contributions(self.point):
            found.setdefault(contribution.id, contribution)
        return found

    def names(self, manager: PluginManager | None = None) -> list[str]:
        return list(self.entries(manager))

    def check(self, name: str, field: str, manager: PluginManager | None = None) -> str:
        """``name`` when it is registered, else a ``ValueError`` naming ``field`` and the known names."""
        self._entry(name, field, manager)
        return name

    def _entry(self, name: str, field: str, manager: PluginManager | None) -> Contribution:
        entries = self.entries(manager)
        if name not in entries:
            raise ValueError(f"{field}: no {self.what} {name!r}; available: {', '.join(entries)} "
                             "(a plugin's must be enabled: noiseloom plugins enable NAME)")
        return entries[name]

    def load(self, name: str, field: str, manager: PluginManager | None = None) -> Any:
        """The object registered as ``name``; a ``ValueError`` naming ``field`` when it is unknown or its
        plugin fails to load (the plugin is then disabled with its traceback)."""
        manager = manager or discovered()
        entry = self._entry(name, field, manager)
        if entry.plugin == CORE:
            return import_object(entry.python)
        try:
            return manager.load(entry)
        except PluginError as exc:
            raise ValueError(f"{field}: {exc}") from None

    def load_plugins(self, manager: PluginManager | None = None) -> tuple[list[tuple[Contribution, Any]], list[str]]:
        """Every enabled plugin's object: (contribution, object) pairs, and the failures' messages
        (those plugins are disabled; the caller goes on without them)."""
        manager = manager or discovered()
        loaded, failures = [], []
        for contribution in manager.contributions(self.point):
            try:
                loaded.append((contribution, manager.load(contribution)))
            except PluginError as exc:
                failures.append(str(exc))
        return loaded, failures


def _api_mismatch(plugin: Plugin) -> str:
    return (f"plugin {plugin.name!r} {plugin.version} targets plugin API {plugin.api_version}, but this "
            f"NoiseLoom offers plugin API {API_VERSION}: install a version of the plugin made for API "
            f"{API_VERSION}, or update NoiseLoom")


def register_enabled_job_kinds(manager: PluginManager | None = None) -> list[str]:
    """Register the job kinds of enabled plugins into the job language; returns their names.

    A job-kind contribution names its params model in ``python`` and its runner in ``runner``
    (``module:function``, imported only in the worker that runs the job). The engine server and each
    worker call this at start, so both know the same kinds.
    """
    from engine.spec import JobKind, register_kind

    if manager is None:
        manager = PluginManager()
        manager.discover()
    names = []
    for contribution in manager.contributions("job_kinds"):
        try:
            params = manager.load(contribution)
        except PluginError:
            continue
        register_kind(JobKind(contribution.id, params, contribution.extra["runner"], contribution.title))
        names.append(contribution.id)
    return names
