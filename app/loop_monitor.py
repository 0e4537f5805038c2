"""Measuring how responsive the UI thread's event loop is (tests, benchmarks, diagnostics).

Two figures: the heartbeat (a 5 ms timer; the longest wall-clock gap between two beats, which also
counts time the OS gave to other processes) and the busy stretches (CPU time the UI thread spent in
one turn of the event loop, from one ``aboutToBlock`` to the next: the studio's own work only, since
waiting in the OS costs no CPU time).
"""

from __future__ import annotations

import time
from typing import Self

from PySide6.QtCore import QAbstractEventDispatcher, QEventLoop, QObject, QTimer


class LoopMonitor(QObject):
    """Use as a context manager around the work to watch; then read ``worst_gap_s`` and ``worst_busy_s``."""

    def __init__(self, interval_ms: int = 5, parent: QObject | None = None):
        super().__init__(parent)
        self.gaps: list[float] = []
        self.busy: list[float] = []
        self._last = 0.0
        self._turn_started: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._beat)
        self._dispatcher = QAbstractEventDispatcher.instance()

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def _about_to_block(self) -> None:
        now = time.thread_time()
        if self._turn_started is not None:
            self.busy.append(now - self._turn_started)
        self._turn_started = now

    def __enter__(self) -> Self:
        self._last = time.perf_counter()
        self._dispatcher.aboutToBlock.connect(self._about_to_block)
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.stop()
        self._dispatcher.aboutToBlock.disconnect(self._about_to_block)

    @property
    def worst_gap_s(self) -> float:
        return max(self.gaps[1:], default=0.0)

    @property
    def worst_busy_s(self) -> float:
        return max(self.busy, default=0.0)


def run_until(condition, timeout_s: float, poll_ms: int = 20) -> bool:
    """Run a real event loop (it sleeps in the OS between events) until ``condition()`` holds or
    ``timeout_s`` passes; returns whether it holds. Unlike a processEvents-and-sleep loop it adds no
    stalls of its own, so it is the way to wait in anything that measures responsiveness."""
    if condition():
        return True
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    timer = QTimer()
    timer.setInterval(poll_ms)
    timer.timeout.connect(lambda: loop.quit() if condition() or time.monotonic() > deadline else None)
    timer.start()
    loop.exec()
    timer.stop()
    return bool(condition())
