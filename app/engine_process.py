"""Start and stop a private local engine process (used by the CLI and the studio's launcher)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

URL_PREFIX = "NOISELOOM_ENGINE_URL="


class EngineStartError(RuntimeError):
    """The engine process did not come up; the message carries its output."""


class LocalEngine:
    """A ``noiseloom-engine serve`` child process on a free loopback port.

    Used as a context manager: the engine stops (and its workers with it) on exit. Without
    ``data_dir`` it runs in a temporary folder that is removed afterwards.
    """

    def __init__(self, data_dir: Path | None = None, devices: str = "auto", timeout_s: float = 60.0,
                 extra_args: list[str] | None = None):
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="noiseloom-engine-")
        self.data_dir = Path(data_dir or self._tmp.name)
        self.devices = devices
        self.timeout_s = timeout_s
        self.extra_args = extra_args or []
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.log: list[str] = []

    @property
    def token(self) -> str:
        return (self.data_dir / "token").read_text().strip()

    def start(self) -> LocalEngine:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "engine.server.main", "serve", "--port", "0",
                   "--data-dir", str(self.data_dir), "--devices", self.devices, *self.extra_args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"})
        found = threading.Event()
        threading.Thread(target=self._read_output, args=(found,), daemon=True).start()
        deadline = time.monotonic() + self.timeout_s
        while not found.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise EngineStartError("the engine did not start:\n" + "\n".join(self.log[-30:]))
        return self

    def _read_output(self, found: threading.Event) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            line = line.rstrip("\n")
            self.log.append(line)
            if line.startswith(URL_PREFIX) and not found.is_set():
                self.url = line[len(URL_PREFIX):]
                found.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> LocalEngine:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
