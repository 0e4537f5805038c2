"""The persistent job queue: jobs, their status sequence and the event log in one SQLite file (WAL).

Statuses: pending -> running -> completed | failed | canceled | interrupted; interrupted -> pending
(resume) | canceled; pending -> canceled. Every transition is appended to ``job_status`` with its own
sequence number, so the history of a job survives restarts. On start-up, jobs that were running when
the engine stopped become ``interrupted``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATUSES = ("pending", "running", "completed", "failed", "canceled", "interrupted")
TERMINAL = frozenset({"completed", "failed", "canceled"})

_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"running", "canceled"}),
    "running": frozenset({"completed", "failed", "canceled", "interrupted"}),
    "interrupted": frozenset({"pending", "canceled"}),
    "completed": frozenset(),
    "failed": frozenset(),
    "canceled": frozenset(),
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    request TEXT NOT NULL,
    name TEXT,
    priority INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    progress REAL NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT '',
    eta_s REAL,
    error TEXT,
    result TEXT,
    devices TEXT,
    worker_pid INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    retry_of TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, priority, created);
CREATE TABLE IF NOT EXISTS job_status (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    status TEXT NOT NULL,
    ts REAL NOT NULL,
    message TEXT
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    job_id TEXT,
    type TEXT NOT NULL,
    payload TEXT NOT NULL
);
"""


class TransitionError(ValueError):
    """A status change the job's current status does not allow."""


@dataclass(frozen=True)
class Event:
    seq: int
    ts: float
    job_id: str | None
    type: str
    payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "ts": self.ts, "job_id": self.job_id, "type": self.type,
                "payload": self.payload}


class JobQueue:
    """Thread-safe access to the engine's SQLite database."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- jobs -------------------------------------------------------------------------------
    def add(self, kind: str, request: dict[str, Any], name: str | None, priority: int,
            retry_of: str | None = None) -> dict[str, Any]:
        job_id = uuid.uuid4().hex[:16]
        now = time.time()
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO jobs (id, kind, request, name, priority, status, created, retry_of)"
                " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
                (job_id, kind, json.dumps(request), name, priority, now, retry_of))
            self._db.execute("INSERT INTO job_status (job_id, status, ts, message) VALUES (?, ?, ?, ?)",
                             (job_id, "pending", now, "queued"))
        return self.get(job_id)

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return None
            history = self._db.execute(
                "SELECT seq, status, ts, message FROM job_status WHERE job_id = ? ORDER BY seq",
                (job_id,)).fetchall()
        return _job_json(row, [dict(h) for h in history])

    def list(self, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        with self._lock:
            if status:
                rows = self._db.execute(
                    "SELECT * FROM jobs WHERE status = ? ORDER BY created DESC LIMIT ?", (status, limit))
            else:
                rows = self._db.execute("SELECT * FROM jobs ORDER BY created DESC LIMIT ?", (limit,))
            return [_job_json(r, None) for r in rows.fetchall()]

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE status = 'pending' ORDER BY priority DESC, created ASC").fetchall()
        return [_job_json(r, None) for r in rows]

    def transition(self, job_id: str, status: str, message: str = "", **fields: Any) -> dict[str, Any]:
        """Move a job to ``status`` (checked against the allowed transitions) and set ``fields``."""
        now = time.time()
        with self._lock, self._db:
            row = self._db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise KeyError(job_id)
            if status not in _TRANSITIONS[row["status"]]:
                raise TransitionError(f"a {row['status']} job cannot become {status}")
            if status == "running":
                fields.setdefault("started", now)
                self._db.execute("UPDATE jobs SET attempts = attempts + 1 WHERE id = ?", (job_id,))
            if status in TERMINAL or status == "interrupted":
                fields.setdefault("finished", now)
                fields.setdefault("worker_pid", None)
            if status == "pending":
                fields.update(finished=None, error=None, worker_pid=None)
            fields["status"] = status
            self._update(job_id, fields)
            self._db.execute("INSERT INTO job_status (job_id, status, ts, message) VALUES (?, ?, ?, ?)",
                             (job_id, status, now, message))
        return self.get(job_id)

    def update(self, job_id: str, **fields: Any) -> None:
        """Set non-status fields (progress, stage, eta_s, devices, worker_pid)."""
        with self._lock, self._db:
            self._update(job_id, fields)

    def _update(self, job_id: str, fields: dict[str, Any]) -> None:
        encoded = {k: json.dumps(v) if k in ("result", "devices") and v is not None else v
                   for k, v in fields.items()}
        assignments = ", ".join(f"{column} = ?" for column in encoded)
        self._db.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*encoded.values(), job_id))

    def recover(self) -> list[str]:
        """After a restart: jobs left running become interrupted. Returns their ids."""
        with self._lock:
            ids = [r["id"] for r in self._db.execute("SELECT id FROM jobs WHERE status = 'running'")]
        for job_id in ids:
            self.transition(job_id, "interrupted", "the engine stopped while the job was running")
        return ids

    # ---- events -----------------------------------------------------------------------------
    def append_event(self, job_id: str | None, event_type: str, payload: dict[str, Any]) -> Event:
        now = time.time()
        with self._lock, self._db:
            cursor = self._db.execute("INSERT INTO events (ts, job_id, type, payload) VALUES (?, ?, ?, ?)",
                                      (now, job_id, event_type, json.dumps(payload)))
        return Event(cursor.lastrowid, now, job_id, event_type, payload)

    def events_since(self, since: int, limit: int = 10_000) -> list[Event]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (since, limit)).fetchall()
        return [Event(r["seq"], r["ts"], r["job_id"], r["type"], json.loads(r["payload"])) for r in rows]

    def last_event_seq(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT MAX(seq) AS seq FROM events").fetchone()
        return row["seq"] or 0


def _job_json(row: sqlite3.Row, history: list[dict[str, Any]] | None) -> dict[str, Any]:
    job = dict(row)
    job["request"] = json.loads(job["request"])
    job["result"] = json.loads(job["result"]) if job["result"] else None
    job["devices"] = json.loads(job["devices"]) if job["devices"] else []
    if history is not None:
        job["history"] = history
    return job
