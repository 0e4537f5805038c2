"""A blocking client of the engine API for the command line and scripts (the GUI has its own, async).

It submits jobs, follows their events over the WebSocket and downloads outputs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

TERMINAL = frozenset({"completed", "failed", "canceled", "interrupted"})


class EngineError(RuntimeError):
    """The engine refused a request; the message is the engine's explanation."""

    def __init__(self, status: int, detail: Any):
        self.status = status
        self.detail = detail
        if isinstance(detail, list):
            text = "; ".join(f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg')}" for d in detail)
        else:
            text = str(detail)
        super().__init__(f"engine answered {status}: {text}")


class EngineAPI:
    def __init__(self, url: str, token: str, timeout_s: float = 30.0):
        self.url = url.rstrip("/")
        self.token = token
        self.http = httpx.Client(base_url=self.url, timeout=timeout_s,
                                 headers={"Authorization": f"Bearer {token}"})

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except (ValueError, AttributeError):
                detail = response.text
            raise EngineError(response.status_code, detail)
        return response.json()

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/api/health")

    def devices(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/devices")

    def submit(self, kind: str, params: dict[str, Any], name: str | None = None) -> dict[str, Any]:
        return self._call("POST", "/api/jobs", json={"version": 1, "kind": kind, "params": params, "name": name})

    def job(self, job_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/jobs/{job_id}")

    def jobs(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/jobs")

    def cancel(self, job_id: str) -> dict[str, Any]:
        return self._call("POST", f"/api/jobs/{job_id}/cancel")

    def outputs(self, job_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/jobs/{job_id}/outputs")

    def download(self, job_id: str, name: str, dest: Path) -> Path:
        """Download output ``name`` to ``dest`` (written through a temp file, then renamed)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.part")
        with self.http.stream("GET", f"/api/jobs/{job_id}/outputs/{name}") as response:
            if response.status_code >= 400:
                response.read()
                raise EngineError(response.status_code, response.json().get("detail"))
            with open(tmp, "wb") as handle:
                for chunk in response.iter_bytes():
                    handle.write(chunk)
        tmp.replace(dest)
        return dest

    def latest_seq(self) -> int:
        return self._call("GET", "/api/events/latest")["seq"]

    def run(self, kind: str, params: dict[str, Any], on_event: Callable[[dict[str, Any]], None] | None = None,
            name: str | None = None) -> dict[str, Any]:
        """Submit a job and block until it ends, passing its JSON events to ``on_event``."""
        since = self.latest_seq()
        job = self.submit(kind, params, name)
        ws_url = self.url.replace("http", "ws", 1) + f"/api/events?since={since}"
        with connect(ws_url, additional_headers={"Authorization": f"Bearer {self.token}"},
                     max_size=2**26) as ws:
            for message in ws:
                if isinstance(message, bytes):
                    continue
                event = json.loads(message)
                if event.get("job_id") != job["id"]:
                    continue
                if on_event:
                    on_event(event)
                if event["type"] == "job.status" and event["payload"]["status"] in TERMINAL:
                    break
        return self.job(job["id"])
