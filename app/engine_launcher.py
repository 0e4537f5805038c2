"""The studio's local engine: a ``noiseloom-engine serve`` child run with ``QProcess``.

The engine and its workers run at a lower CPU priority (``nice``, where the system has it) so that a
generation on the CPU never starves the studio's own UI thread. Nothing here blocks the UI thread
while the engine starts: the process's output is read as it
arrives, ``ready(url, token)`` fires when it prints its URL line, ``died(message)`` when it exits
without being asked to (with the tail of its output). ``restart`` starts it again on the same data
folder, so the queue (and with it every job) is still there.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

URL_PREFIX = "NOISELOOM_ENGINE_URL="


def default_engine_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "noiseloom" / "engine"


class EngineLauncher(QObject):
    ready = Signal(str, str)        # url, token
    died = Signal(str)              # a message for people, with the engine's last output
    failed_to_start = Signal(str)

    def __init__(self, data_dir: Path | None = None, devices: str = "auto", start_timeout_s: float = 90.0,
                 niceness: int = 10, parent: QObject | None = None):
        super().__init__(parent)
        self.niceness = niceness
        self.data_dir = Path(data_dir) if data_dir else default_engine_dir()
        self.devices = devices
        self.url = ""
        self.log: deque[str] = deque(maxlen=200)
        self._process: QProcess | None = None
        self._stopping = False
        self._buffer = b""
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(int(start_timeout_s * 1000))
        self._timeout.timeout.connect(self._start_timed_out)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning

    @property
    def pid(self) -> int:
        return int(self._process.processId()) if self._process else 0

    def start(self) -> None:
        """Start the engine (returns at once; watch ``ready`` / ``failed_to_start``)."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.url = ""
        self._stopping = False
        self._buffer = b""
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        root = str(Path(__file__).resolve().parent.parent)
        env.insert("PYTHONPATH", os.pathsep.join(p for p in (root, env.value("PYTHONPATH")) if p))
        process.setProcessEnvironment(env)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self._process = process
        command = [sys.executable, "-m", "engine.server.main", "serve", "--port", "0",
                   "--data-dir", str(self.data_dir), "--devices", self.devices]
        nice = shutil.which("nice")
        if nice and self.niceness:
            command = [nice, "-n", str(self.niceness), *command]
        process.start(command[0], command[1:])
        self._timeout.start()

    def stop(self, wait_ms: int = 8000) -> None:
        """Stop the engine (asked politely first; killed if it does not exit in ``wait_ms``)."""
        self._timeout.stop()
        process = self._process
        if process is None:
            return
        self._stopping = True
        if process.state() != QProcess.ProcessState.NotRunning:
            process.terminate()
            if not process.waitForFinished(wait_ms):
                process.kill()
                process.waitForFinished(2000)
        process.readyReadStandardOutput.disconnect(self._read)
        process.finished.disconnect(self._finished)
        process.errorOccurred.disconnect(self._error)
        process.deleteLater()
        self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def _read(self) -> None:
        assert self._process is not None
        self._buffer += bytes(self._process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip()
            self.log.append(line)
            if line.startswith(URL_PREFIX) and not self.url:
                self._timeout.stop()
                self.url = line[len(URL_PREFIX):]
                token = (self.data_dir / "token").read_text().strip()
                self.ready.emit(self.url, token)

    def _tail(self) -> str:
        return "\n".join(list(self.log)[-15:])

    def _finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._timeout.stop()
        if self._stopping:
            return
        if self.url:
            self.died.emit(f"the engine stopped unexpectedly (exit code {code}).\n{self._tail()}")
        else:
            self.failed_to_start.emit(f"the engine exited before it was ready (exit code {code}).\n"
                                      f"{self._tail()}")

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._timeout.stop()
            self.failed_to_start.emit(f"could not run {sys.executable}: {error.name}")

    def _start_timed_out(self) -> None:
        self.failed_to_start.emit(f"the engine did not report ready in time.\n{self._tail()}")
        self.stop(2000)
