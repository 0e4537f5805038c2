"""The engine's HTTP + WebSocket API (FastAPI), versioned under ``/api``.

Every endpoint except ``GET /api/health`` requires ``Authorization: Bearer <token>``. WebSocket
``/api/events?since=<seq>`` replays the JSON events after ``seq`` from the event log, then streams
live ones; binary frames carry previews: a 4-byte big-endian header length, a JSON header
``{"type": "preview", "job_id": ..., **meta}``, then PNG bytes. ``GET /api/registries/{point}`` lists
the names a registry checked by the job language knows (transition curves, noise initialisers, spatial
formats), so that a client can offer them without importing any plugin code. ``/api/maskers`` lists the
masker bank and serves its files (``engine.server.masker_bank``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse, Response

from engine import __version__
from engine.audio.spatial.spec import SPATIAL_RENDERERS
from engine.jobs.context import safe_output_name
from engine.plugins import API_VERSION as PLUGIN_API_VERSION
from engine.plugins import PluginManager, discovered
from engine.server.events import EventBus, Preview
from engine.server.masker_bank import BankIndexer, masker_routes
from engine.server.queue import JobQueue, TransitionError
from engine.server.scheduler import Scheduler
from engine.server.security import OriginGuard, allowed_origins, token_matches
from engine.spec import SPEC_VERSION, JobRequest, SpecError, kinds, validate_request
from engine.video.noise_registry import NOISE_INITIALISERS
from engine.video.transitions import PROMPT_TRANSITIONS
from engine.workers.devices import Device, worker_memory

API_VERSION = 1
# the registries whose names the job language checks: what a client may offer for those fields
NAMED_REGISTRIES = {r.point: r for r in (PROMPT_TRANSITIONS, NOISE_INITIALISERS, SPATIAL_RENDERERS)}


@dataclass
class EngineConfig:
    data_dir: Path
    token: str
    devices: list[Device]
    host: str = "127.0.0.1"
    port: int = 0
    cancel_grace_s: float = 5.0


def create_app(config: EngineConfig) -> FastAPI:
    """Build the engine application; the queue, event bus and scheduler start with its lifespan."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        queue = JobQueue(config.data_dir / "engine.sqlite3")
        bus = EventBus(queue, asyncio.get_running_loop())
        for job_id in queue.recover():
            bus.publish(job_id, "job.status", {"status": "interrupted",
                                               "error": None, "devices": [], "result": None})
        scheduler = Scheduler(queue, bus, config.devices, config.data_dir / "jobs", config.cancel_grace_s)
        app.state.queue, app.state.bus, app.state.scheduler = queue, bus, scheduler
        app.state.masker_bank = BankIndexer()
        task = asyncio.create_task(scheduler.run(), name="scheduler")
        try:
            yield
        finally:
            app.state.masker_bank.close()
            scheduler.shutdown()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            queue.close()

    app = FastAPI(title="NoiseLoom engine", version=__version__, lifespan=lifespan,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    app.add_middleware(OriginGuard, allowed=allowed_origins(config.host, config.port))

    @app.exception_handler(SpecError)
    async def spec_error(_request: Request, exc: SpecError) -> JSONResponse:
        return JSONResponse(status_code=422, content={
            "detail": [{**e, "loc": ["body", *e["loc"]]} for e in exc.errors]})

    @app.get("/api/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "api": API_VERSION, "spec_version": SPEC_VERSION}

    async def require_token(request: Request) -> None:
        if not token_matches(request.headers.get("authorization"), config.token):
            raise HTTPException(401, "missing or wrong token: send 'Authorization: Bearer <token>' "
                                     "with the token from the engine's data folder",
                                headers={"WWW-Authenticate": "Bearer"})

    api = APIRouter(prefix="/api", dependencies=[Depends(require_token)])

    def scheduler_of(request: Request) -> Scheduler:
        return request.app.state.scheduler

    def job_or_404(request: Request, job_id: str) -> dict[str, Any]:
        job = request.app.state.queue.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job with id {job_id!r}")
        return job

    @api.get("/devices")
    async def devices(request: Request) -> list[dict[str, Any]]:
        scheduler = scheduler_of(request)
        return [{**d.to_json(), "memory_used_bytes": worker_memory(scheduler.worker_pid(d.job_id))}
                for d in config.devices]

    @api.get("/events/latest")
    async def latest_event(request: Request) -> dict[str, int]:
        return {"seq": request.app.state.queue.last_event_seq()}

    @api.get("/plugins")
    async def plugins() -> dict[str, Any]:
        manager = PluginManager()
        found = manager.discover()
        return {"api_version": PLUGIN_API_VERSION, "plugins": [p.to_json() for p in found],
                "problems": manager.problems}

    @api.get("/registries/{point}")
    def registry(point: str) -> dict[str, Any]:
        """The names an extension point's registry knows now: the core's, then enabled plugins'."""
        if point not in NAMED_REGISTRIES:
            raise HTTPException(404, f"no registry {point!r}; known: {', '.join(NAMED_REGISTRIES)}")
        entries = NAMED_REGISTRIES[point].entries(discovered())
        return {"point": point, "entries": [{"name": name, "title": entry.title, "plugin": entry.plugin}
                                            for name, entry in entries.items()]}

    @api.get("/kinds")
    async def job_kinds() -> list[dict[str, Any]]:
        return [{"name": k.name, "description": k.description, "params": k.params.model_json_schema()}
                for k in sorted(kinds().values(), key=lambda k: k.name)]

    @api.post("/jobs", status_code=201)
    async def submit(request: Request, body: JobRequest) -> dict[str, Any]:
        params = validate_request(body)
        stored = body.model_dump(mode="json")
        stored["params"] = params.model_dump(mode="json")
        job = request.app.state.queue.add(body.kind, stored, body.name, body.priority)
        request.app.state.bus.publish(job["id"], "job.status", {
            "status": "pending", "error": None, "devices": [], "result": None})
        scheduler_of(request).wake()
        return job

    @api.get("/jobs")
    async def list_jobs(request: Request, status: str | None = Query(None, max_length=20),
                        limit: int = Query(200, ge=1, le=1000)) -> list[dict[str, Any]]:
        return request.app.state.queue.list(status, limit)

    @api.get("/jobs/{job_id}")
    async def get_job(request: Request, job_id: str) -> dict[str, Any]:
        return job_or_404(request, job_id)

    @api.post("/jobs/{job_id}/cancel")
    async def cancel(request: Request, job_id: str) -> dict[str, Any]:
        job_or_404(request, job_id)
        try:
            return scheduler_of(request).cancel(job_id)
        except TransitionError as exc:
            raise HTTPException(409, f"cannot cancel: {exc}") from None

    @api.post("/jobs/{job_id}/resume")
    async def resume(request: Request, job_id: str) -> dict[str, Any]:
        job_or_404(request, job_id)
        try:
            job = request.app.state.queue.transition(job_id, "pending", "resumed by the user")
        except TransitionError as exc:
            raise HTTPException(409, f"only interrupted jobs resume ({exc}); use retry to run it again") from None
        request.app.state.bus.publish(job_id, "job.status", {"status": "pending", "error": None,
                                                             "devices": [], "result": None})
        scheduler_of(request).wake()
        return job

    @api.post("/jobs/{job_id}/retry", status_code=201)
    async def retry(request: Request, job_id: str) -> dict[str, Any]:
        old = job_or_404(request, job_id)
        body = JobRequest.model_validate(old["request"])
        validate_request(body)
        job = request.app.state.queue.add(body.kind, old["request"], body.name, body.priority, retry_of=job_id)
        request.app.state.bus.publish(job["id"], "job.status", {"status": "pending", "error": None,
                                                                "devices": [], "result": None})
        scheduler_of(request).wake()
        return job

    @api.get("/jobs/{job_id}/outputs")
    async def outputs(request: Request, job_id: str) -> list[dict[str, Any]]:
        job_or_404(request, job_id)
        folder = scheduler_of(request).output_dir(job_id)
        if not folder.is_dir():
            return []
        return [{"name": p.name, "size": p.stat().st_size} for p in sorted(folder.iterdir())
                if p.is_file() and not p.name.startswith(".")]

    @api.get("/jobs/{job_id}/outputs/{name}")
    async def output(request: Request, job_id: str, name: str) -> FileResponse:
        job_or_404(request, job_id)
        try:
            safe_output_name(name)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        folder = scheduler_of(request).output_dir(job_id).resolve()
        path = (folder / name).resolve()
        if path.parent != folder or not path.is_file():
            raise HTTPException(404, f"job {job_id} has no output called {name!r}")
        return FileResponse(path, filename=name)

    @api.get("/jobs/{job_id}/preview", responses={200: {"content": {"image/png": {}}}})
    async def latest_preview(request: Request, job_id: str) -> Response:
        job_or_404(request, job_id)
        preview = request.app.state.bus.latest_preview.get(job_id)
        if preview is None:
            raise HTTPException(404, f"job {job_id} has sent no preview yet")
        return Response(preview.png, media_type="image/png",
                        headers={"X-Preview-Meta": json.dumps(preview.meta)})

    api.include_router(masker_routes())
    app.include_router(api)

    @app.websocket("/api/events")
    async def events(websocket: WebSocket, since: int = 0) -> None:
        if not token_matches(websocket.headers.get("authorization"), config.token):
            await websocket.close(code=4401, reason="missing or wrong token")
            return
        await websocket.accept()
        bus: EventBus = websocket.app.state.bus
        queue: JobQueue = websocket.app.state.queue
        subscriber = bus.subscribe()
        try:
            last = max(since, 0)
            while True:
                missed = await asyncio.to_thread(queue.events_since, last)
                if not missed:
                    break
                for event in missed:
                    await websocket.send_json(event.to_json())
                    last = event.seq
            while True:
                item = await subscriber.get()
                if isinstance(item, Preview):
                    await websocket.send_bytes(_preview_frame(item))
                elif item.seq > last:
                    if item.seq > last + 1:
                        for event in await asyncio.to_thread(queue.events_since, last):
                            if event.seq < item.seq:
                                await websocket.send_json(event.to_json())
                    await websocket.send_json(item.to_json())
                    last = item.seq
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            bus.unsubscribe(subscriber)

    return app


def _preview_frame(preview: Preview) -> bytes:
    header = json.dumps({"type": "preview", "job_id": preview.job_id, **preview.meta}).encode()
    return struct.pack(">I", len(header)) + header + preview.png

