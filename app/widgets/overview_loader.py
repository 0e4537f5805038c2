"""Waveform overviews read off the UI thread: ``get(path)`` answers from memory at once, or starts reading
the file's overview (``app.waveform.overview``, cached on disk) in a worker thread and returns None; when
it is there ``ready`` fires on the UI thread, so a long recording never stalls the event loop.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.waveform import Overview, overview


class OverviewLoader(QObject):
    ready = Signal(str)                     # the path whose overview (or reading error) is now known
    _finished = Signal(object, object)      # (key, future), emitted by the worker thread

    def __init__(self, cache_dir: Path | None, parent: QObject | None = None):
        super().__init__(parent)
        self.cache_dir = cache_dir
        self._known: dict[tuple[str, int], Overview | str] = {}
        self._pending: set[tuple[str, int]] = set()
        self._pool: ThreadPoolExecutor | None = None
        self._finished.connect(self._on_finished)

    def get(self, path: str) -> Overview | str | None:
        """The overview of ``path``; a message when the file cannot be read; None while it is being read."""
        try:
            key = (path, Path(path).stat().st_mtime_ns)
        except OSError as exc:
            return f"missing file: {exc.strerror or exc}"
        if key in self._known:
            return self._known[key]
        if key not in self._pending:
            self._pending.add(key)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="waveform")
            future = self._pool.submit(overview, path, self.cache_dir)
            future.add_done_callback(lambda done, key=key: self._finished.emit(key, done))
        return None

    def _on_finished(self, key: tuple[str, int], future: Future) -> None:
        self._pending.discard(key)
        try:
            self._known[key] = future.result()
        except (OSError, RuntimeError) as exc:      # soundfile raises RuntimeErrors (LibsndfileError)
            self._known[key] = f"cannot read the file: {exc}"
        self.ready.emit(key[0])

    def close(self) -> None:
        """Wait for the reading in flight and end the worker thread."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
