"""The masker bank: the builtin synthesised maskers and users' folders of WAV/FLAC files.

A folder may hold a ``manifest.json`` (``{"maskers": [{"name", "class", "file", "duration_s",
"sample_rate", "licence", "source"}, ...]}``); files without an entry are indexed too, their class
taken from their subfolder (or ``"user"``). Files that cannot be read as usable audio are skipped and
reported in ``MaskerIndex.problems``; a bad file never stops the search.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import soundfile as sf

from engine.resources import resource_path

BUILTIN_MASKER_DIR = resource_path("maskers")
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
        ))
    return index


def index_maskers(folders: list[str] | None = None, include_builtin: bool = True) -> MaskerIndex:
    """The builtin bank (unless ``include_builtin`` is false) plus every folder in ``folders``."""
    index = MaskerIndex()
    if include_builtin:
        index_folder(BUILTIN_MASKER_DIR, index)
    for folder in folders or []:
        index_folder(folder, index)
    if not index.maskers:
        raise ValueError("maskers: no usable masker files found; add WAV/FLAC files to the masker folder")
    return index
