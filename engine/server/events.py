"""The event bus: JSON events persisted in the queue's event log, fanned out to live subscribers.

JSON events get a monotonically increasing ``seq`` from SQLite, so a client that reconnects with
``since`` is replayed everything it missed. Binary previews are live only (the latest one per job is
kept in memory for a client that arrives late).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

from engine.server.queue import Event, JobQueue

_SUBSCRIBER_BACKLOG = 10_000


@dataclass(frozen=True)
class Preview:
    job_id: str
    png: bytes
    meta: dict[str, Any]


class EventBus:
    """Publish from any thread; subscribe from the server's event loop."""

    def __init__(self, queue: JobQueue, loop: asyncio.AbstractEventLoop):
        self._queue = queue
        self._loop = loop
        self._subscribers: set[asyncio.Queue] = set()
        self._lock = threading.Lock()
        self.latest_preview: dict[str, Preview] = {}

    def publish(self, job_id: str | None, event_type: str, payload: dict[str, Any]) -> Event:
        event = self._queue.append_event(job_id, event_type, payload)
        self._fan_out(event)
        return event

    def publish_preview(self, job_id: str, png: bytes, meta: dict[str, Any]) -> None:
        preview = Preview(job_id, png, meta)
        self.latest_preview[job_id] = preview
        self._fan_out(preview)

    def _fan_out(self, item: Event | Preview) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            self._loop.call_soon_threadsafe(_offer, subscriber, item)

    def call_soon(self, callback) -> None:
        """Run ``callback`` on the server's event loop (from any thread)."""
        self._loop.call_soon_threadsafe(callback)

    def subscribe(self) -> asyncio.Queue:
        subscriber: asyncio.Queue = asyncio.Queue(_SUBSCRIBER_BACKLOG)
        with self._lock:
            self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: asyncio.Queue) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)


def _offer(subscriber: asyncio.Queue, item: Event | Preview) -> None:
    """Queue ``item``; a subscriber too slow to keep up loses previews first, then is resynced by seq."""
    try:
        subscriber.put_nowait(item)
    except asyncio.QueueFull:
        pass
