"""The masker bank as the engine lists it, from the app's side: ``GET /api/maskers`` fetched
asynchronously through the engine client (the app imports no masker source plugin and reads no
manifest itself), and a masker's audio fetched from ``GET /api/maskers/audio`` and decoded off the UI
thread, so listening works for maskers a plugin rendered into the engine's cache. ``download`` copies a
masker's file from the engine into a local folder, for an engine whose files this machine cannot see.

The soundscape panel owns the studio's ``MaskerBank``; its bank tab and the spatial panel show the same
one. It lists the bank again whenever the client (re)connects, and when the user adds a folder or asks
for it (plugins enabled or disabled meanwhile show up then).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from PySide6.QtCore import QObject, Signal

from app.background import Background
from app.client import EngineClient
from app.widgets.playback import read_for_playback
from engine.atomic import write_bytes_atomic

LISTING_TIMEOUT_S = 300.0      # a first listing may render a plugin's maskers


class MaskerBank(QObject):
    changed = Signal()                       # entries, problems or message changed
    folders_changed = Signal(list)           # the user's extra folders
    audio_ready = Signal(str, object, int)   # masker name, samples (frames, channels) float32, rate
    audio_failed = Signal(str)

    def __init__(self, client: EngineClient, parent: QObject | None = None):
        super().__init__(parent)
        self.client = client
        self.folders: list[str] = []
        self.entries: list[dict[str, Any]] = []
        self.problems: list[dict[str, str]] = []
        self.message = ""
        self.loading = False
        self._request = 0
        self.decoder = Background(self)
        client.state_changed.connect(self._engine_state)
        self._engine_state(client.state, "")

    def _engine_state(self, state: str, _message: str) -> None:
        if state == "connected":
            self.refresh()
        elif not self.entries:
            self.message = f"the engine is {state}: the masker bank is listed once it is connected"
            self.changed.emit()

    def _query(self, **params: str) -> str:
        return "?" + urlencode([("folder", f) for f in self.folders] + list(params.items()))

    def refresh(self) -> None:
        """List the bank again (the answer replaces the entries; an older answer still on its way is dropped)."""
        self._request += 1
        request = self._request
        self.loading = True
        self.message = "listing the masker bank on the engine…"
        self.changed.emit()
        self.client.call("GET", f"/api/maskers{self._query()}", timeout_s=LISTING_TIMEOUT_S,
                         callback=lambda ok, _status, body: self._listed(request, ok, body))

    def _listed(self, request: int, ok: bool, body: Any) -> None:
        if request != self._request:
            return
        self.loading = False
        if ok:
            self.entries, self.problems = body["maskers"], body["problems"]
            self.message = f"{len(self.entries)} maskers" + (
                f"; {len(self.problems)} broken entries skipped" if self.problems else "")
        else:
            self.message = f"could not list the masker bank: {body}"
        self.changed.emit()

    def entry(self, name: str) -> dict[str, Any]:
        for entry in self.entries:
            if entry["name"] == name:
                return entry
        raise KeyError(f"no masker named {name!r} in the bank as the engine last listed it; "
                       "list it again (Refresh in the Masker bank tab)")

    def add_folder(self, folder: Path | str) -> None:
        """Add a user's folder of maskers to the bank (and to the searches)."""
        folder = str(Path(folder).resolve())
        if not Path(folder).is_dir():
            raise ValueError(f"masker folder {folder} does not exist; pick a folder of WAV/FLAC files")
        if folder not in self.folders:
            self.folders.append(folder)
            self.folders_changed.emit(list(self.folders))
            self.refresh()

    def fetch_audio(self, name: str) -> None:
        """Fetch the masker ``name`` from the engine; ``audio_ready`` (or ``audio_failed``) follows."""
        def fetched(ok: bool, _status: int, body: Any) -> None:
            if not ok:
                self.audio_failed.emit(f"could not fetch {name}: {body}")
                return
            self.decoder.run(read_for_playback, io.BytesIO(body), done=lambda audio: self.audio_ready.emit(name, *audio),
                             failed=lambda error: self.audio_failed.emit(f"could not decode {name}: {error}"))

        self._get_audio(name, fetched)

    def download(self, name: str, folder: Path, done: Callable[[Path], None], failed: Callable[[str], None]) -> None:
        """Fetch the masker ``name``'s file from the engine and write it into ``folder`` (atomically, off
        the UI thread) under the masker's name and the file's own suffix; ``done(path)`` or ``failed(message)``."""
        dest = Path(folder) / f"{name}{Path(self.entry(name)['path']).suffix or '.wav'}"

        def fetched(ok: bool, _status: int, body: Any) -> None:
            if not ok:
                failed(f"could not fetch {name} from the engine: {body}")
                return
            self.decoder.run(_keep, dest, body, done=done,
                             failed=lambda error: failed(f"could not keep {name} in {dest.parent}: {error}"))

        self._get_audio(name, fetched)

    def _get_audio(self, name: str, callback: Callable[[bool, int, Any], None]) -> None:
        """``GET /api/maskers/audio`` for ``name``: the file's bytes come to ``callback``."""
        self.client.call("GET", f"/api/maskers/audio{self._query(name=name)}", callback=callback, raw=True,
                         timeout_s=LISTING_TIMEOUT_S)


def _keep(dest: Path, data: bytes) -> Path:
    write_bytes_atomic(dest, data)
    return dest

