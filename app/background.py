"""File work off the UI thread: run a function in a short-lived worker thread and get its result back on
the UI thread through a queued signal.

``Background(parent).run(fn, *args, done=..., failed=...)`` starts one thread for the call; when ``fn``
returns, ``done(result)`` runs on the UI thread (``failed(message)`` when it raised an ``OSError``,
``RuntimeError`` or ``ValueError``: what reading and writing audio files raise). Each call gets a ticket;
``run`` returns it, so a caller that only wants the latest answer can compare. ``wait()`` joins the
threads still running (at shutdown). The worker thread touches no Qt object but the signal it emits.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class Background(QObject):
    _finished = Signal(int, object, str)     # ticket, result, error message ("" when it worked)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._tickets = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[str], None]]] = {}
        self._threads: dict[int, threading.Thread] = {}
        self._finished.connect(self._deliver)

    def run(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None],
            failed: Callable[[str], None]) -> int:
        ticket = next(self._tickets)
        self._callbacks[ticket] = (done, failed)
        thread = threading.Thread(target=self._work, args=(ticket, fn, args), daemon=True,
                                  name=f"noiseloom-file-{ticket}")
        self._threads[ticket] = thread
        thread.start()
        return ticket

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def _work(self, ticket: int, fn: Callable[..., Any], args: tuple) -> None:
        try:
            result, error = fn(*args), ""
        except (OSError, RuntimeError, ValueError) as exc:
            result, error = None, f"{type(exc).__name__}: {exc}"
        try:
            self._finished.emit(ticket, result, error)
        except RuntimeError:
            pass        # the owner was deleted meanwhile: nobody is waiting for this answer

    def _deliver(self, ticket: int, result: Any, error: str) -> None:
        self._threads.pop(ticket).join()
        done, failed = self._callbacks.pop(ticket)
        if error:
            failed(error)
        else:
            done(result)

    def wait(self) -> None:
        for thread in list(self._threads.values()):
            thread.join()
