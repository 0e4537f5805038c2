"""The engine client of the studio: HTTP through ``QNetworkAccessManager``, events through a WebSocket.

Nothing blocks the UI thread. HTTP requests are asynchronous Qt replies; their callbacks run on the
event loop. PySide6-Essentials has no QtWebSockets module, so the event stream runs the ``websockets``
library's synchronous client (already an engine dependency; no asyncio loop to integrate with Qt) in
one reader thread that only receives, parses the JSON / decodes the preview PNG into a ``QImage`` and
hands the result to the UI thread through queued Qt signals. It reconnects on its own with
``since=<last seq>`` so that no event is lost across a drop; ``stop`` ends and joins the thread.

``EngineClient`` keeps the engine's job list up to date from those events, starts a local engine
through ``EngineLauncher`` (or connects to a URL + token from the settings), reports when the engine
died and restarts it on the same data folder (the queue survives; the project is the app's, untouched).
"""

from __future__ import annotations

import json
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QImage
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import connect

from app.engine_launcher import EngineLauncher

TERMINAL = frozenset({"completed", "failed", "canceled", "interrupted"})
Callback = Callable[[bool, int, Any], None]   # ok, HTTP status, JSON body (or bytes, or an error text)


def error_text(status: int, body: Any) -> str:
    """A readable message from an engine error body (422 lists name the field)."""
    detail = body.get("detail") if isinstance(body, dict) else body
    if isinstance(detail, list):
        return "; ".join(f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg')}" for d in detail)
    return f"{detail}" if detail else f"HTTP {status}"


class EventStream(QObject):
    """The engine's event WebSocket, read in one background thread, delivered on the UI thread."""

    event = Signal(dict)
    preview = Signal(dict, QImage)
    connected = Signal()
    disconnected = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.last_seq = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._url = ""
        self._token = ""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, url: str, token: str, since: int | None = None) -> None:
        self.stop()
        self._url, self._token = url.rstrip("/"), token
        if since is not None:
            self.last_seq = since
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop,), name="noiseloom-events",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(5)
            self._thread = None

    def _run(self, stop: threading.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            url = self._url.replace("http", "ws", 1) + f"/api/events?since={self.last_seq}"
            reason = "closed"
            try:
                with connect(url, additional_headers={"Authorization": f"Bearer {self._token}"},
                             open_timeout=5, close_timeout=1, max_size=2**27) as ws:
                    self.connected.emit()
                    backoff = 0.2
                    while not stop.is_set():
                        try:
                            message = ws.recv(timeout=0.2)
                        except TimeoutError:
                            continue
                        self._deliver(message)
            except InvalidStatus as exc:
                reason = f"the engine refused the event stream (HTTP {exc.response.status_code}): check the token"
            except (ConnectionClosed, InvalidHandshake, OSError, TimeoutError) as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if stop.is_set():
                return
            self.disconnected.emit(reason)
            stop.wait(backoff)
            backoff = min(backoff * 2, 2.0)

    def _deliver(self, message: str | bytes) -> None:
        if isinstance(message, bytes):
            (length,) = struct.unpack(">I", message[:4])
            meta = json.loads(message[4:4 + length])
            image = QImage.fromData(message[4 + length:], "PNG")
            if not image.isNull():
                self.preview.emit(meta, image)
            return
        event = json.loads(message)
        if event.get("seq", 0) > self.last_seq:
            self.last_seq = event["seq"]
            self.event.emit(event)


class EngineClient(QObject):
    """The studio's view of the engine: connection state, jobs, devices, requests."""

    state_changed = Signal(str, str)      # state, message; states below
    event = Signal(dict)
    preview = Signal(dict, QImage)
    jobs_changed = Signal()
    devices_changed = Signal(list)
    engine_died = Signal(str)
    registry_changed = Signal(str, list)  # extension point, the names it knows: [{"name", "title", "plugin"}]

    STATES = ("offline", "starting", "connecting", "connected", "reconnecting", "dead")

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.url = ""
        self.token = ""
        self.state = "offline"
        self.jobs: dict[str, dict[str, Any]] = {}
        self.devices: list[dict[str, Any]] = []
        self.launcher: EngineLauncher | None = None
        self._net = QNetworkAccessManager(self)
        self._replies: set[QNetworkReply] = set()
        self._refresh_soon = QTimer(self)          # many unknown jobs in a burst: one refresh
        self._refresh_soon.setSingleShot(True)
        self._refresh_soon.setInterval(100)
        self._refresh_soon.timeout.connect(self.refresh)
        self.stream = EventStream(self)
        self.stream.event.connect(self._on_event)
        self.stream.preview.connect(self.preview)
        self.stream.connected.connect(self._on_stream_connected)
        self.stream.disconnected.connect(self._on_stream_lost)

    # ---- connection ---------------------------------------------------------------------------
    def _set_state(self, state: str, message: str = "") -> None:
        self.state = state
        self.state_changed.emit(state, message)

    def start_local(self, data_dir: Path | None = None, devices: str = "auto") -> None:
        """Start a private engine on ``data_dir`` and connect to it when it is ready."""
        if self.launcher is None:
            self.launcher = EngineLauncher(data_dir, devices, parent=self)
            self.launcher.ready.connect(self.connect_to)
            self.launcher.died.connect(self._on_engine_died)
            self.launcher.failed_to_start.connect(self._on_engine_died)
        else:
            self.launcher.devices = devices
            if data_dir is not None:
                self.launcher.data_dir = Path(data_dir)
        self._set_state("starting", "starting the local engine…")
        self.launcher.start()

    def connect_remote(self, url: str, token: str) -> None:
        """Leave a local engine (stopping it) and use the running engine at ``url``."""
        self.close()
        if self.launcher is not None:
            self.launcher.deleteLater()
            self.launcher = None
        self.connect_to(url, token)

    def restart_engine(self) -> None:
        """Start the local engine again (same data folder: its queue and jobs are kept)."""
        if self.launcher is None:
            raise RuntimeError("this studio is connected to a remote engine; restart it there")
        self.stream.stop()
        self._set_state("starting", "restarting the local engine…")
        self.launcher.restart()

    def connect_to(self, url: str, token: str) -> None:
        """Use the engine at ``url`` with ``token`` (a local one or one given in the settings)."""
        self.url, self.token = url.rstrip("/"), token
        self._set_state("connecting", f"connecting to {self.url}…")
        if self.stream.last_seq:
            self.stream.start(self.url, token)
            return

        def latest(ok: bool, _status: int, body: Any) -> None:
            # a first connection follows from now on (the job list comes from /api/jobs), so an engine
            # with a long history does not replay it all; later reconnects resume from the last seq
            self.stream.start(self.url, token, since=int(body["seq"]) if ok else 0)

        self.call("GET", "/api/events/latest", callback=latest)

    def close(self) -> None:
        """Stop the event thread, abort requests and stop a local engine."""
        self.stream.stop()
        self._refresh_soon.stop()
        for reply in list(self._replies):
            reply.abort()
        if self.launcher is not None:
            self.launcher.stop()
        self._set_state("offline")

    def _on_stream_connected(self) -> None:
        self._set_state("connected", f"engine at {self.url}")
        self.refresh()

    def _on_stream_lost(self, reason: str) -> None:
        if self.state == "dead":
            return
        if self.launcher is not None and not self.launcher.running and self.launcher.url:
            return      # the launcher reports the death
        self._set_state("reconnecting", f"lost the engine ({reason}); reconnecting…")

    def _on_engine_died(self, message: str) -> None:
        self.stream.stop()
        self._set_state("dead", message)
        self.engine_died.emit(message)

    # ---- HTTP ---------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None, callback: Callback | None = None,
             raw: bool = False, timeout_s: float = 30.0) -> None:
        """Send a request; ``callback(ok, status, data)`` runs on the UI thread when it answers (or when
        nothing came back within ``timeout_s``)."""
        if not self.url:
            if callback:
                QTimer.singleShot(0, lambda: callback(False, 0, "not connected to an engine"))
            return
        request = QNetworkRequest(QUrl(self.url + path))
        request.setRawHeader(b"Authorization", f"Bearer {self.token}".encode())
        request.setTransferTimeout(int(timeout_s * 1000))
        data = QByteArray()
        if body is not None:
            request.setHeader(QNetworkRequest.KnownHeaders.ContentTypeHeader, "application/json")
            data = QByteArray(json.dumps(body).encode())
        reply = self._net.sendCustomRequest(request, method.encode(), data)
        self._replies.add(reply)
        reply.finished.connect(lambda: self._finished(reply, callback, raw))

    def _finished(self, reply: QNetworkReply, callback: Callback | None, raw: bool) -> None:
        self._replies.discard(reply)
        reply.deleteLater()
        if reply.error() == QNetworkReply.NetworkError.OperationCanceledError or callback is None:
            return
        status = int(reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute) or 0)
        if status == 0:
            callback(False, 0, reply.errorString())
            return
        payload = bytes(reply.readAll().data())
        if raw and status < 400:
            callback(True, status, payload)
            return
        try:
            body = json.loads(payload) if payload else None
        except ValueError:
            body = payload.decode("utf-8", "replace")
        ok = status < 400
        callback(ok, status, body if ok else error_text(status, body))

    def refresh(self) -> None:
        """Fetch the job list and the devices again."""
        self.call("GET", "/api/jobs", callback=self._got_jobs)
        self.call("GET", "/api/devices", callback=self._got_devices)

    def _got_jobs(self, ok: bool, _status: int, body: Any) -> None:
        if ok and isinstance(body, list):    # a reply cut short by a dying engine has no list
            # merged, not replaced: a job submitted while this list was on its way stays known
            self.jobs.update({job["id"]: job for job in body})
            self.jobs_changed.emit()

    def _got_devices(self, ok: bool, _status: int, body: Any) -> None:
        if ok and isinstance(body, list):
            self.devices = body
            self.devices_changed.emit(body)

    def fetch_registry(self, point: str) -> None:
        """Ask the engine which names the registry of ``point`` knows now (the core's and enabled
        plugins'); ``registry_changed`` brings the answer."""
        def done(ok: bool, _status: int, body: Any) -> None:
            if ok and isinstance(body, dict):
                self.registry_changed.emit(point, list(body.get("entries", [])))
        self.call("GET", f"/api/registries/{point}", callback=done)

    def submit(self, request: dict[str, Any], callback: Callback | None = None) -> None:
        def done(ok: bool, status: int, body: Any) -> None:
            if ok:
                self.jobs.setdefault(body["id"], body)     # events may have brought newer news already
                self.jobs_changed.emit()
            if callback:
                callback(ok, status, body)
        self.call("POST", "/api/jobs", request, done)

    def job_action(self, job_id: str, action: str, callback: Callback | None = None) -> None:
        """``cancel``, ``resume`` or ``retry`` a job."""
        if action not in ("cancel", "resume", "retry"):
            raise ValueError(f"unknown job action {action!r}")
        self.call("POST", f"/api/jobs/{job_id}/{action}", callback=callback)

    def download(self, job_id: str, name: str, dest: Path, callback: Callback | None = None) -> None:
        """Download an output to ``dest`` (written atomically); ``callback(ok, status, path|error)``."""
        def done(ok: bool, status: int, body: Any) -> None:
            if ok:
                Path(dest).parent.mkdir(parents=True, exist_ok=True)
                tmp = Path(dest).with_name(f".{Path(dest).name}.part")
                tmp.write_bytes(body)
                tmp.replace(dest)
                body = Path(dest)
            if callback:
                callback(ok, status, body)
        self.call("GET", f"/api/jobs/{job_id}/outputs/{name}", callback=done, raw=True)

    # ---- events -------------------------------------------------------------------------------
    def _on_event(self, event: dict[str, Any]) -> None:
        job_id, payload = event.get("job_id"), event.get("payload") or {}
        job = self.jobs.get(job_id) if job_id else None
        if event["type"] == "job.status":
            if job is None:
                self._refresh_soon.start()
            else:
                job.update({k: v for k, v in payload.items() if k in ("status", "error", "devices", "result")})
                if payload.get("status") == "completed":
                    job["progress"] = 1.0
                self.jobs_changed.emit()
        elif event["type"] == "progress" and job is not None:
            job.update({k: payload[k] for k in ("stage", "eta_s") if k in payload})
            job["progress"] = payload.get("fraction", job.get("progress", 0.0))
            self.jobs_changed.emit()
        self.event.emit(event)

