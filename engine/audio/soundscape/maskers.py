"""The masker bank: the maskers of masker sources (plugins) and users' folders of WAV/FLAC files.

A masker source is an enabled plugin's ``masker_sources`` contribution: a callable that yields
``SourcedMasker``s, each a file or audio made on demand (rendered once into the cache and indexed from
there). The built-in plugin ``procedural-maskers`` contributes the shipped synthesised bank;
disabling it removes those maskers and nothing else. A source that fails (on import or while it
yields) is disabled with its traceback and reported in ``MaskerIndex.problems``; the others are
indexed as usual.

A folder may hold a ``manifest.json`` (``{"maskers": [{"name", "class", "file", "duration_s",
"sample_rate", "licence", "source"}, ...]}``); files without an entry are indexed too, their class
taken from their subfolder (or ``"user"``). Files that cannot be read as usable audio are skipped and
reported in ``MaskerIndex.problems``; a bad file never stops the search.

``bank_listing`` is the bank as the engine sees it (what ``GET /api/maskers`` answers): the same index,
each masker saying which plugin contributed it (``plugin``) or which folder it was found in
(``folder``), with a missing folder reported as a problem rather than refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from engine.audio.io import write_audio
from engine.audio.soundscape.features import cache_root
from engine.plugins import Contribution, ExtensionRegistry, PluginManager, discovered

MASKER_SOURCES = ExtensionRegistry("masker_sources", "masker source")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".aiff", ".aif")
MIN_MASKER_S = 1.0


@dataclass(frozen=True)
class Masker:
    name: str
    masker_class: str
    path: str
    duration_s: float
    sample_rate: int
    licence: str = "unknown"
    source: str = "user file"
    plugin: str = ""        # the plugin whose masker source offered it ("" for a folder's file)
    folder: str = ""        # the folder it was found in ("" for a masker source's)


@dataclass(frozen=True)
class SourcedMasker:
    """A masker a masker source offers: a ``file``, or ``render() -> (samples, sample_rate)``, called
    only when the cache has no copy for this ``name`` and ``source`` (change ``source`` to re-render)."""

    name: str
    masker_class: str
    licence: str
    source: str
    file: str | os.PathLike[str] | None = None
    render: Callable[[], tuple[np.ndarray, int]] | None = None


@dataclass
class MaskerIndex:
    maskers: list[Masker] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"maskers": [asdict(m) for m in self.maskers], "problems": self.problems}


def _probe(path: Path) -> tuple[float, int]:
    """Duration and rate of an audio file; ``ValueError`` with the reason when it is unusable."""
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise ValueError(f"not an audio file soundfile can read ({exc})") from None
    if info.frames == 0:
        raise ValueError("empty (0 samples)")
    duration = info.frames / info.samplerate
    if duration < MIN_MASKER_S:
        raise ValueError(f"too short ({duration:.2f} s < {MIN_MASKER_S} s)")
    return duration, int(info.samplerate)


def _manifest_entries(folder: Path) -> dict[str, dict]:
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return {}
    data = json.loads(manifest.read_text())
    return {str((folder / e["file"]).resolve()): e for e in data.get("maskers", [])}


def rendered_masker_dir() -> Path:
    """Where maskers that sources render are kept: ``masker-sources`` in the cache root."""
    return cache_root() / "masker-sources"


def _entry_file(offer: SourcedMasker, provider: str) -> Path:
    if (offer.file is None) == (offer.render is None):
        raise ValueError(f"masker {offer.name!r}: give a file or a render function, not both or neither")
    if offer.file is not None:
        return Path(offer.file)
    digest = hashlib.sha256(offer.source.encode()).hexdigest()[:16]
    path = rendered_masker_dir() / provider / f"{offer.name}-{digest}.flac"
    if not path.is_file():
        samples, rate = offer.render()
        write_audio(path, samples, rate, subtype="PCM_16")
    return path


def index_source(contribution: Contribution, offers: Callable[[], Iterable[SourcedMasker]],
                 index: MaskerIndex, manager: PluginManager) -> None:
    """Index what one masker source offers; if its code raises, its plugin is disabled with the
    traceback, the failure goes to ``index.problems`` and none of its maskers are indexed."""
    provider = f"{contribution.plugin}/{contribution.id}"
    found: list[tuple[SourcedMasker, Path]] = []
    try:
        for offer in offers():
            found.append((offer, _entry_file(offer, provider)))
    except Exception as exc:  # isolate any failure of plugin code
        manager.disable_with_error(contribution.plugin, traceback.format_exc())
        index.problems.append({"path": f"masker source {provider}", "reason": (
            f"{type(exc).__name__}: {exc}; plugin {contribution.plugin!r} has been disabled")})
        return
    taken = {m.name for m in index.maskers}
    for offer, path in found:
        try:
            duration, rate = _probe(path)
        except ValueError as exc:
            index.problems.append({"path": str(path), "reason": str(exc)})
            continue
        name = offer.name if offer.name not in taken else f"{contribution.plugin}/{offer.name}"
        taken.add(name)
        index.maskers.append(Masker(name, offer.masker_class, str(path), duration, rate, offer.licence, offer.source,
                                    plugin=contribution.plugin))


def index_folder(folder: str | os.PathLike[str], index: MaskerIndex | None = None) -> MaskerIndex:
    """Index every audio file under ``folder`` (recursively) into ``index`` (a new one by default)."""
    index = index if index is not None else MaskerIndex()
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"maskers: {str(root)!r} is not a folder; give a folder of WAV/FLAC files")
    try:
        entries = _manifest_entries(root)
    except (ValueError, KeyError, TypeError) as exc:
        index.problems.append({"path": str(root / "manifest.json"), "reason": f"unreadable manifest ({exc})"})
        entries = {}
    taken = {m.name for m in index.maskers}
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file()):
        try:
            duration, rate = _probe(path)
        except ValueError as exc:
            index.problems.append({"path": str(path), "reason": str(exc)})
            continue
        entry = entries.get(str(path.resolve()), {})
        name = entry.get("name") or path.stem
        if name in taken:
            name = f"{path.parent.name}/{path.stem}"
        taken.add(name)
        default_class = path.parent.name if path.parent != root else "user"
        index.maskers.append(Masker(
            name=name,
            masker_class=entry.get("class", default_class),
            path=str(path),
            duration_s=duration,
            sample_rate=rate,
            licence=entry.get("licence", "unknown"),
            source=entry.get("source", "user file"),
            folder=str(root),
        ))
    return index


def index_sources(index: MaskerIndex, manager: PluginManager | None = None) -> MaskerIndex:
    """Index the maskers of every enabled masker source into ``index``."""
    manager = manager or discovered()
    loaded, failures = MASKER_SOURCES.load_plugins(manager)
    index.problems += [{"path": "masker sources", "reason": failure} for failure in failures]
    for contribution, offers in loaded:
        index_source(contribution, offers, index, manager)
    return index


def index_maskers(folders: list[str] | None = None, include_builtin: bool = True,
                  manager: PluginManager | None = None) -> MaskerIndex:
    """The bank (the maskers of enabled masker sources, unless ``include_builtin`` is false) plus every
    folder in ``folders``."""
    index = index_sources(MaskerIndex(), manager) if include_builtin else MaskerIndex()
    for folder in folders or []:
        index_folder(folder, index)
    if not index.maskers:
        raise ValueError("maskers: no usable masker files found; add WAV/FLAC files to a masker folder, or "
                         "enable a masker source (noiseloom plugins enable procedural-maskers)")
    return index


def bank_listing(folders: list[str]) -> dict:
    """The bank as the engine sees it: ``{"maskers": [...], "problems": [...]}`` for the enabled masker
    sources and ``folders``; a folder that is gone is a problem, an empty bank an empty list."""
    index = index_sources(MaskerIndex())
    for folder in folders:
        try:
            index_folder(folder, index)
        except ValueError as exc:
            index.problems.append({"path": folder, "reason": str(exc)})
    return index.as_dict()
