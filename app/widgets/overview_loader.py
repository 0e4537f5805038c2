"""Waveform overviews read off the UI thread: ``get(path)`` answers from memory at once, or starts reading
the file's overview (``app.waveform.overview``, cached on disk) in a worker thread and returns None; when
it is there ``ready`` fires, so a long recording never stalls the event loop.

The worker thread only computes: the UI thread collects finished reads with a short timer that runs
while reads are pending, so no Qt object is touched from the worker thread.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.waveform import Overview, overview

POLL_MS = 30


class OverviewLoader(QObject):
    ready = Signal(str)                     # the path whose overview (or reading error) is now known

    def __init__(self, cache_dir: Path | None, parent: QObject | None = None):
        super().__init__(parent)
        self.cache_dir = cache_dir
        self._known: dict[tuple[str, int], Overview | str] = {}
        self._pending: dict[tuple[str, int], Future] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._collect)

    def get(self, path: str) -> Overview | str | None:
        """The overview of ``path``; a message when the file cannot be read; None while it is being read."""
        try:
            key = (path, Path(path).stat().st_mtime_ns)
        except OSError as exc:
            return f"missing file: {exc.strerror or exc}"
        if key in self._known:
            return self._known[key]
        if key not in self._pending:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="waveform")
            self._pending[key] = self._pool.submit(overview, path, self.cache_dir)
            self._timer.start()
        return None

    def _collect(self) -> None:
        for key, future in [(k, f) for k, f in self._pending.items() if f.done()]:
            del self._pending[key]
            try:
                self._known[key] = future.result()
            except (OSError, RuntimeError) as exc:      # soundfile raises RuntimeErrors (LibsndfileError)
                self._known[key] = f"cannot read the file: {exc}"
            self.ready.emit(key[0])
        if not self._pending:
            self._timer.stop()

    def close(self) -> None:
        """Wait for the reading in flight and end the worker thread."""
        self._timer.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._pending.clear()
