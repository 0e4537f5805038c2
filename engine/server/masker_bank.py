"""The masker bank over HTTP: ``GET /api/maskers`` lists the bank as the engine sees it and
``GET /api/maskers/audio`` serves one masker's audio file.

The listing is ``engine.audio.soundscape.maskers.bank_listing``: the maskers of the enabled masker
sources (plugins) and of the user's folders (``?folder=...``, repeatable), each with its name, class,
licence, source, duration, rate, path and the plugin or folder it came from, and the broken entries as
``problems``. Indexing runs plugin code (a source may render its maskers), so it runs in one spawned
helper process, kept for the next listing, never in the server's: a plugin that crashes that process
costs the listing (503) and the next one starts a fresh helper. The audio stack (numpy, scipy,
soundfile) is imported there too, so the server starts as fast as before.

The audio route looks the ``name`` up in a fresh listing and serves that masker's file: the path served
is always one the engine's index produced, never one the client sent.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse

from engine.plugins import import_object

LISTING = "engine.audio.soundscape.maskers:bank_listing"
FOLDERS = Query([], alias="folder", description="a user's folder of maskers (repeat for several)")


class BankIndexer:
    """Lists the bank in a helper process (started on first use, replaced when it dies)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def listing(self, folders: list[str]) -> dict[str, Any]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, _listing_in_helper, folders)
        except BrokenProcessPool:
            self.close()
            raise HTTPException(503, "the masker bank's helper process died while indexing (a masker source "
                                     "plugin crashed it?); disable that plugin and list the bank again") from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _listing_in_helper(folders: list[str]) -> dict[str, Any]:
    return import_object(LISTING)(folders)


def masker_routes() -> APIRouter:
    """The bank's routes; the app's ``state.masker_bank`` is the ``BankIndexer`` they use."""
    router = APIRouter(prefix="/maskers")

    @router.get("")
    async def maskers(request: Request, folders: list[str] = FOLDERS) -> dict[str, Any]:
        return await request.app.state.masker_bank.listing(folders)

    @router.get("/audio", responses={200: {"content": {"audio/flac": {}, "audio/x-wav": {}}}})
    async def masker_audio(request: Request, name: str = Query(..., min_length=1, max_length=300),
                           folders: list[str] = FOLDERS) -> FileResponse:
        listing = await request.app.state.masker_bank.listing(folders)
        found = {m["name"]: Path(m["path"]) for m in listing["maskers"]}
        if name not in found:
            raise HTTPException(404, f"name: no masker {name!r} in the bank; known: {', '.join(sorted(found))}")
        path = found[name]
        if not path.is_file():
            raise HTTPException(404, f"masker {name!r}: its file {path.name} is gone; list the bank again")
        return FileResponse(path, filename=path.name)

    return router
