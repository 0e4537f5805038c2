"""What a running job sees of the engine: where to write, how to report, whether to stop.

Runners (``def run(params, ctx: JobContext) -> dict``) only talk to this interface. In the engine the
worker process provides an implementation that forwards to the server; ``LocalContext`` runs a job
in the calling process (benchmarks, scripts, tests of a runner on its own).
"""

from __future__ import annotations

import re
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class JobCanceled(Exception):
    """Raised by ``JobContext.check_cancel`` when the user canceled the job."""


def safe_output_name(name: str) -> str:
    """Return ``name`` if it is a plain file name (letters, digits, ``._-``), else raise ValueError."""
    if not _SAFE_NAME.match(name) or ".." in name:
        raise ValueError(f"output name {name!r} must be a plain file name of letters, digits and '._-'")
    return name


class JobContext(ABC):
    """The engine as a job runner sees it."""

    def __init__(self, job_id: str, output_dir: Path, devices: list[str]):
        self.job_id = job_id
        self.output_dir = Path(output_dir)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.devices = devices
        self._cancel = threading.Event()
        self._started = time.monotonic()

    def output_path(self, name: str) -> Path:
        """Where to write the output file called ``name`` (a plain file name)."""
        return self.output_dir / safe_output_name(name)

    def progress(self, fraction: float, stage: str = "", eta_s: float | None = None) -> None:
        """Report progress in [0, 1]; the ETA is estimated from elapsed time when not given."""
        fraction = min(max(float(fraction), 0.0), 1.0)
        if eta_s is None and fraction > 0:
            elapsed = time.monotonic() - self._started
            eta_s = elapsed * (1.0 - fraction) / fraction
        self.emit("progress", {"fraction": fraction, "stage": stage, "eta_s": eta_s})

    def cancel(self) -> None:
        """Ask the job to stop at its next ``check_cancel``."""
        self._cancel.set()

    @property
    def canceled(self) -> bool:
        return self._cancel.is_set()

    def check_cancel(self) -> None:
        """Raise ``JobCanceled`` if the job was canceled; call this between units of work."""
        if self._cancel.is_set():
            raise JobCanceled()

    @abstractmethod
    def emit(self, event_type: str, payload: dict[str, Any]) -> None:
        """Send a JSON event (``progress``, ``block_done``, ``log`` ...) to the engine's event stream."""

    @abstractmethod
    def preview(self, image: np.ndarray, meta: dict[str, Any] | None = None) -> None:
        """Send a preview frame (H x W x 3 uint8 RGB) as a binary event; ``meta`` says what it shows."""


class LocalContext(JobContext):
    """Runs a job in this process and keeps its events in memory (``events``, ``previews``)."""

    def __init__(self, output_dir: Path, job_id: str = "local", devices: list[str] | None = None):
        super().__init__(job_id, output_dir, devices or ["cpu:0"])
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.previews: list[tuple[np.ndarray, dict[str, Any]]] = []

    def emit(self, event_type: str, payload: dict[str, Any]) -> None:
        self.events.append((event_type, payload))

    def preview(self, image: np.ndarray, meta: dict[str, Any] | None = None) -> None:
        self.previews.append((image, meta or {}))
