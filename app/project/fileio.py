"""Saving and loading ``*.nloom`` project files: versioned JSON, atomic writes, migrations, clear refusals.

The file is ``{"format": "noiseloom-project", "version": N, "project": {...}}``. Writes go to a temp
file in the same folder, are fsynced and then ``os.replace``d over the target, so a crash leaves either
the old or the new file, never half of one. Files of older versions are migrated step by step
(``MIGRATIONS``); a file that is not a project, is newer than this program, or does not validate is
refused with a ``ProjectFileError`` that says what is wrong and where; loading never writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from app.project.model import Project
from engine.atomic import write_text_atomic

FORMAT = "noiseloom-project"
VERSION = 4
SUFFIX = ".nloom"


class ProjectFileError(ValueError):
    """A project file that cannot be opened; the message names the file and the problem."""


def _migrate_v1(data: dict) -> dict:
    """Version 1 (the first drafts) kept one flat ``prompts`` list in frames; version 2 has tracks
    of clips in seconds and the settings in their own object."""
    fps = int(data.get("fps", 8))
    settings = {key: data[key] for key in ("model", "width", "height", "steps", "guidance", "seed")
                if key in data}
    settings["fps"] = fps
    settings["duration"] = data.get("frames", 96) / fps
    clips = [{"start": p["start_frame"] / fps, "end": p["end_frame"] / fps, "text": p.get("text", ""),
              "hard_cut": bool(p.get("hard_cut", False))} for p in data.get("prompts", [])]
    return {"name": data.get("name", "Untitled"), "settings": settings,
            "tracks": [{"name": "Prompts", "kind": "prompt", "clips": clips}]}


def _migrate_v2(data: dict) -> dict:
    """Version 3 added the sound: audio tracks and the spatial scene (none in older files)."""
    return {**data, "audio": {"tracks": [], "spatial": {}}}


def _migrate_v3(data: dict) -> dict:
    """Version 4 added each prompt clip's transition ``curve`` (older clips blend along the engine's
    default curve)."""
    tracks = [{**track, "clips": [{**clip, "curve": None} for clip in track["clips"]]} for track in data["tracks"]]
    return {**data, "tracks": tracks}


MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _migrate_v1, 2: _migrate_v2, 3: _migrate_v3}


def project_to_json(project: Project) -> str:
    return json.dumps({"format": FORMAT, "version": VERSION, "project": project.to_dict()}, indent=2)


def save_project(project: Project, path: Path) -> None:
    """Save ``project`` to ``path`` atomically."""
    write_text_atomic(Path(path), project_to_json(project))


def parse_project(text: str, source: str = "<text>") -> Project:
    """Build a project from the text of a project file, migrating older versions."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFileError(
            f"{source} is not a NoiseLoom project: it is not valid JSON ({exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}). The file was left untouched; open a backup or its autosave.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProjectFileError(f"{source} is not a NoiseLoom project (no \"format\": \"{FORMAT}\" field)")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise ProjectFileError(f"{source}: \"version\" must be a positive whole number, got {version!r}")
    if version > VERSION:
        raise ProjectFileError(
            f"{source} was saved by a newer NoiseLoom (file version {version}, this one reads up to "
            f"{VERSION}); update NoiseLoom to open it")
    body = data.get("project")
    if not isinstance(body, dict):
        raise ProjectFileError(f"{source}: the \"project\" object is missing")
    try:
        for step in range(version, VERSION):
            body = MIGRATIONS[step](body)
        return Project.from_dict(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "project"
        raise ProjectFileError(f"{source}: {where}: {first['msg']} ({exc.error_count()} problem(s))") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ProjectFileError(f"{source}: the project is damaged ({exc})") from None


def load_project(path: Path) -> Project:
    """Open the project file at ``path``; raises ``ProjectFileError`` with a clear message."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectFileError(f"{path} does not exist") from None
    except UnicodeDecodeError:
        raise ProjectFileError(f"{path} is not a NoiseLoom project (it is not UTF-8 text)") from None
    project = parse_project(text, str(path))
    project.name = path.stem
    return project
