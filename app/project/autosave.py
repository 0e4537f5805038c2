"""Autosave to a side file and recovery after a crash.

A saved project ``film.nloom`` autosaves to ``.film.nloom.autosave`` beside it; an untitled project to
``<autosave dir>/untitled-<session>.nloom.autosave``. A clean save or a clean close removes the side
file, so one that is still there (and newer than the project) at the next start means the program did
not close cleanly: ``pending_recoveries`` lists them and the app offers to restore them. The timer that
calls ``Autosaver.save_now`` lives in the app; this module is Qt-free.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.project.fileio import load_project, project_to_json
from app.project.model import Project, new_id
from engine.atomic import write_text_atomic

AUTOSAVE_SUFFIX = ".autosave"


def default_autosave_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "noiseloom" / "autosave"


def autosave_path_for(project_path: Path) -> Path:
    project_path = Path(project_path)
    return project_path.with_name(f".{project_path.name}{AUTOSAVE_SUFFIX}")


@dataclass(frozen=True)
class Recovery:
    """An autosave left behind by a session that did not close cleanly."""

    autosave: Path
    project_path: Path | None   # the file it belongs to, None for an untitled project

    def load(self) -> Project:
        return load_project(self.autosave)


class Autosaver:
    """Writes a project's side file when it changed since the last write."""

    def __init__(self, project: Project, project_path: Path | None = None,
                 autosave_dir: Path | None = None):
        self.autosave_dir = Path(autosave_dir) if autosave_dir else default_autosave_dir()
        self._session = new_id()
        self._dirty = False
        self.project = project
        self.project_path = Path(project_path) if project_path else None
        project.changed.connect(self._mark)

    def attach(self, project: Project, project_path: Path | None) -> None:
        """Follow ``project`` (saved at ``project_path`` or untitled); forgets the old side file."""
        self.project.changed.disconnect(self._mark)
        self.discard()
        self.project = project
        self.project_path = Path(project_path) if project_path else None
        self._dirty = False
        project.changed.connect(self._mark)

    def _mark(self) -> None:
        self._dirty = True

    @property
    def dirty(self) -> bool:
        return self._dirty

    @property
    def path(self) -> Path:
        if self.project_path is not None:
            return autosave_path_for(self.project_path)
        return self.autosave_dir / f"untitled-{self._session}.nloom{AUTOSAVE_SUFFIX}"

    def save_now(self) -> bool:
        """Write the side file if the project changed since the last autosave; True if written."""
        if not self._dirty:
            return False
        write_text_atomic(self.path, project_to_json(self.project))
        self._dirty = False
        return True

    def saved(self, project_path: Path) -> None:
        """The project was saved (maybe under a new name): the side file is no longer needed."""
        self.discard()
        self.project_path = Path(project_path)
        self._dirty = False

    def discard(self) -> None:
        """Remove the side file (after a save or a clean close)."""
        self.path.unlink(missing_ok=True)


def pending_recoveries(autosave_dir: Path | None = None, project_paths: list[Path] = ()) -> list[Recovery]:
    """Autosaves left by unclean exits: untitled ones in ``autosave_dir`` and those beside
    ``project_paths`` that are newer than their project."""
    found: list[Recovery] = []
    folder = Path(autosave_dir) if autosave_dir else default_autosave_dir()
    if folder.is_dir():
        found += [Recovery(p, None) for p in sorted(folder.glob(f"untitled-*.nloom{AUTOSAVE_SUFFIX}"))]
    for project_path in project_paths:
        side = autosave_path_for(project_path)
        if side.exists() and (not Path(project_path).exists()
                              or side.stat().st_mtime >= Path(project_path).stat().st_mtime):
            found.append(Recovery(side, Path(project_path)))
    return found

