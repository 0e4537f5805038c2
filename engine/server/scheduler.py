"""The scheduler: assigns pending jobs to free device slots and supervises their worker processes.

Each job runs in its own spawned worker process, so a crash or a kill never takes the server down.
Cancel is cooperative first (the worker's ``check_cancel`` raises) and the worker is killed after a
grace period. A worker that dies without reporting marks its job failed with the exit reason.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from engine.server.events import EventBus
from engine.server.queue import JobQueue, TransitionError
from engine.spec import JobRequest, SpecError, get_kind, validate_request
from engine.workers.devices import Device
from engine.workers.process import worker_main

_SPAWN = multiprocessing.get_context("spawn")


@dataclass
class _Running:
    job_id: str
    process: Any
    conn: Connection
    devices: list[Device]
    cancel_requested: float | None = None
    outcome: tuple | None = None
    done: threading.Event = field(default_factory=threading.Event)


class Scheduler:
    """Runs jobs from the queue on the engine's devices."""

    def __init__(self, queue: JobQueue, bus: EventBus, devices: list[Device], jobs_dir: Path,
                 cancel_grace_s: float = 5.0):
        self.queue = queue
        self.bus = bus
        self.devices = devices
        self.jobs_dir = jobs_dir
        self.cancel_grace_s = cancel_grace_s
        self._running: dict[str, _Running] = {}
        self._lock = threading.RLock()
        self._wake = asyncio.Event()
        self._stopping = False

    # ---- public API used by the HTTP layer ----------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def output_dir(self, job_id: str) -> Path:
        return self.jobs_dir / job_id / "outputs"

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a pending, interrupted or running job; raises TransitionError for finished ones."""
        with self._lock:
            running = self._running.get(job_id)
            if running is None:
                job = self.queue.transition(job_id, "canceled", "canceled by the user")
                self._publish_status(job)
                return job
            if running.cancel_requested is None:
                running.cancel_requested = time.monotonic()
                try:
                    running.conn.send(("cancel",))
                except (OSError, ValueError):
                    pass
                threading.Thread(target=self._kill_after_grace, args=(running,), daemon=True).start()
        return self.queue.get(job_id)

    def worker_pid(self, job_id: str | None) -> int | None:
        with self._lock:
            running = self._running.get(job_id)
            return running.process.pid if running else None

    # ---- the loop ---------------------------------------------------------------------------
    async def run(self) -> None:
        while not self._stopping:
            self._start_what_fits()
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            except TimeoutError:
                pass

    def shutdown(self) -> None:
        """Stop every worker now; their jobs stay ``running`` in the database and are recovered as
        ``interrupted`` at the next start, exactly as after a crash."""
        self._stopping = True
        self._wake.set()
        with self._lock:
            running = list(self._running.values())
        for item in running:
            if item.process.is_alive():
                item.process.kill()
            item.process.join(5)

    def _free_devices(self) -> list[Device]:
        return [d for d in self.devices if d.job_id is None]

    def _start_what_fits(self) -> None:
        for job in self.queue.pending():
            free = self._free_devices()
            if not free:
                return
            try:
                params = validate_request(JobRequest.model_validate(job["request"]))
                needed = get_kind(job["kind"]).slots(params)
            except SpecError as exc:
                self._finish(job["id"], "failed", f"the job no longer fits the job language: {exc}")
                continue
            if needed > len(self.devices):
                self._finish(job["id"], "failed",
                             f"the job needs {needed} devices but the engine has {len(self.devices)}; "
                             "lower the number of workers or start the engine with more --devices")
                continue
            group = [d for d in free if d.kind == free[0].kind][:needed]
            if len(group) == needed:
                self._start(job, params.model_dump(mode="json"), group)

    def _start(self, job: dict[str, Any], params: dict[str, Any], group: list[Device]) -> None:
        job_id = job["id"]
        out_dir = self.output_dir(job_id)
        out_dir.mkdir(parents=True, exist_ok=True)
        parent_conn, child_conn = _SPAWN.Pipe(duplex=True)
        device_ids = [d.id for d in group]
        process = _SPAWN.Process(
            target=worker_main, name=f"noiseloom-job-{job_id}", daemon=False,  # a job may start its own workers
            args=(job_id, job["kind"], params, str(out_dir), device_ids, group[0].threads, child_conn))
        with self._lock:
            for device in group:
                device.job_id = job_id
            running = _Running(job_id, process, parent_conn, group)
            self._running[job_id] = running
        process.start()
        child_conn.close()
        updated = self.queue.transition(job_id, "running", f"started on {', '.join(device_ids)}",
                                        devices=device_ids, worker_pid=process.pid, progress=0.0)
        self._publish_status(updated)
        threading.Thread(target=self._supervise, args=(running,), daemon=True,
                         name=f"supervise-{job_id}").start()

    # ---- supervision (one thread per running job) -----------------------------------------------
    def _supervise(self, running: _Running) -> None:
        job_id = running.job_id
        try:
            while True:
                message = running.conn.recv()
                if message[0] == "event":
                    self._on_event(job_id, message[1], message[2])
                elif message[0] == "preview":
                    self.bus.publish_preview(job_id, message[1], message[2])
                else:
                    running.outcome = message
                    break
        except (EOFError, OSError):
            pass
        running.process.join(10)
        running.done.set()
        self._conclude(running)

    def _on_event(self, job_id: str, event_type: str, payload: dict[str, Any]) -> None:
        if event_type == "progress":
            self.queue.update(job_id, progress=payload.get("fraction", 0.0), stage=payload.get("stage", ""),
                              eta_s=payload.get("eta_s"))
        self.bus.publish(job_id, event_type, payload)

    def _conclude(self, running: _Running) -> None:
        job_id = running.job_id
        outcome = running.outcome
        if self._stopping:
            return
        if outcome and outcome[0] == "done":
            self._finish(job_id, "completed", "finished", result=outcome[1], progress=1.0, stage="done")
        elif outcome and outcome[0] == "canceled" or running.cancel_requested is not None:
            self._finish(job_id, "canceled", "canceled by the user")
        elif outcome and outcome[0] == "error":
            self._finish(job_id, "failed", outcome[1], traceback=outcome[2])
        else:
            self._finish(job_id, "failed", _exit_reason(running.process.exitcode))
        with self._lock:
            for device in running.devices:
                device.job_id = None
            self._running.pop(job_id, None)
        self.bus.call_soon(self._wake.set)

    def _finish(self, job_id: str, status: str, message: str, traceback: str | None = None,
                **fields: Any) -> None:
        if status == "failed":
            fields["error"] = message
        try:
            job = self.queue.transition(job_id, status, message, **fields)
        except TransitionError:
            return
        if traceback:
            self.bus.publish(job_id, "log", {"level": "error", "message": message, "traceback": traceback})
        self._publish_status(job)

    def _kill_after_grace(self, running: _Running) -> None:
        if not running.done.wait(self.cancel_grace_s) and running.process.is_alive():
            running.process.kill()

    def _publish_status(self, job: dict[str, Any]) -> None:
        self.bus.publish(job["id"], "job.status", {
            "status": job["status"], "error": job.get("error"), "devices": job.get("devices"),
            "result": job.get("result")})


def _exit_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return (f"the worker process was killed by {name} (out of memory, or killed from outside); "
                "the engine is still running: retry the job, or lower its size")
    return f"the worker process exited unexpectedly with code {exitcode} without reporting a result"
