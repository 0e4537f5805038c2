"""One engine job from a panel's point of view: submit, follow, and collect its result and outputs.

``EngineJob.start(client, kind, params, outputs=[...], dest=folder)`` posts the request, follows the
client's job list until the job ends, then fetches the job (its ``result``) and downloads the named
outputs into ``dest``; ``done(result, {name: path})`` or ``failed(message)`` fires once on the UI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.client import TERMINAL, EngineClient
from app.project.jobspec import check_request


class EngineJob(QObject):
    done = Signal(dict, dict)     # result, {output name: local path}
    failed = Signal(str)
    progress = Signal(float, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.client: EngineClient | None = None
        self.job_id: str | None = None
        self.outputs: list[str] = []
        self.dest = Path()
        self._files: dict[str, Path] = {}
        self._result: dict[str, Any] = {}
        self._ended = False          # the engine job ended (downloads may follow)
        self._reported = True        # done or failed was emitted
        self.done.connect(self._report)
        self.failed.connect(self._report)

    def _report(self, *_args: object) -> None:
        self._reported = True

    @property
    def running(self) -> bool:
        """From ``start`` until ``done`` or ``failed`` has fired."""
        return not self._reported

    def start(self, client: EngineClient, kind: str, params: dict[str, Any], outputs: list[str],
              dest: Path, name: str = "") -> bool:
        """Submit the job; False (and ``failed``) when it is refused before it is sent."""
        request = {"version": 1, "kind": kind, "params": params, "name": name or kind, "priority": 0}
        errors = check_request(request)
        self._ended, self._reported = False, False
        if errors:
            self._fail("; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in errors))
            return False
        if client.state != "connected":
            self._fail(f"the engine is {client.state}: wait for it or restart it")
            return False
        self.client, self.outputs, self.dest, self.job_id = client, list(outputs), Path(dest), None
        self._files = {}
        client.jobs_changed.connect(self._check)
        client.submit(request, self._submitted)
        return True

    def _fail(self, message: str) -> None:
        self._ended = True
        if self.client is not None:
            self._disconnect()
        self.failed.emit(message)

    def _disconnect(self) -> None:
        try:
            self.client.jobs_changed.disconnect(self._check)
        except (RuntimeError, TypeError):
            pass

    def _submitted(self, ok: bool, _status: int, body: Any) -> None:
        if not ok:
            self._fail(f"the engine refused the job: {body}")
            return
        self.job_id = body["id"]
        self._check()

    def _check(self) -> None:
        if self._ended or self.job_id is None:
            return
        job = self.client.jobs.get(self.job_id, {})
        self.progress.emit(float(job.get("progress") or 0.0), str(job.get("stage") or job.get("status", "")))
        status = job.get("status")
        if status not in TERMINAL:
            return
        self._ended = True
        self._disconnect()
        if status != "completed":
            self.failed.emit(f"the job ended {status}: {job.get('error') or 'no reason given'}")
            return
        self.client.call("GET", f"/api/jobs/{self.job_id}", callback=self._got_job)

    def _got_job(self, ok: bool, _status: int, body: Any) -> None:
        if not ok:
            self.failed.emit(f"could not read the job: {body}")
            return
        self._result = body.get("result") or {}
        self._next_download()

    def _next_download(self) -> None:
        missing = [n for n in self.outputs if n not in self._files]
        if not missing:
            self.done.emit(self._result, dict(self._files))
            return
        name = missing[0]

        def downloaded(ok: bool, _status: int, path: Any) -> None:
            if not ok:
                self.failed.emit(f"could not download {name}: {path}")
                return
            self._files[name] = Path(path)
            self._next_download()

        self.client.download(self.job_id, name, self.dest / self.job_id / name, downloaded)
