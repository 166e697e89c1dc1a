"""In-process fan-out: wake device connections, stream events to dispatcher consoles.

Service code runs in worker threads (sync SQLAlchemy); the WebSocket handlers run on the event
loop. The hub is the only bridge: ``wake``/``publish`` may be called from any thread and hand
over with ``call_soon_threadsafe``. It carries *notifications* only — the outbox in the store is
the truth, so a lost wake-up costs at most one poll interval, never a message.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from typing import Any

DISPATCH_QUEUE_LIMIT = 10_000


class Hub:
    """Wake-ups for unit connections and a broadcast channel for dispatchers."""

    def __init__(self) -> None:
        #: Other workers' hubs, through Redis (:class:`~pasienis.ops.delivery.relay.Relay`);
        #: set in the lifespan when ``ops_redis_url`` is configured.
        self.relay: Any | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._units: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._dispatchers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the server's event loop (done in the app lifespan)."""
        self._loop = loop

    def _call(self, fn: Any, *args: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            fn(*args)
        else:
            loop.call_soon_threadsafe(fn, *args)

    # --- units -------------------------------------------------------------------------------
    def register_unit(self, unit_id: str) -> asyncio.Event:
        event = asyncio.Event()
        with self._lock:
            self._units[unit_id].add(event)
        return event

    def unregister_unit(self, unit_id: str, event: asyncio.Event) -> None:
        with self._lock:
            self._units[unit_id].discard(event)
            if not self._units[unit_id]:
                del self._units[unit_id]

    def wake(self, unit_id: str) -> None:
        """New outbox rows for ``unit_id``: let its connections send them now (here and, with
        a relay, in every other worker)."""
        if self.relay is not None:
            self.relay.send("wake", [unit_id])
        self.wake_local(unit_id)

    def wake_local(self, unit_id: str) -> None:
        """Wake this process's connections of ``unit_id`` only."""
        with self._lock:
            events = list(self._units.get(unit_id, ()))
        for event in events:
            self._call(event.set)

    def connected_units(self) -> set[str]:
        with self._lock:
            return set(self._units)

    # --- dispatchers -------------------------------------------------------------------------
    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(DISPATCH_QUEUE_LIMIT)
        with self._lock:
            self._dispatchers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        with self._lock:
            self._dispatchers.discard(queue)

    def publish(self, event: dict[str, Any]) -> None:
        """Send ``event`` to every dispatcher console (dropped for a console that lags)."""
        if self.relay is not None:
            self.relay.send("dispatch", [event])
        self.publish_local(event)

    def publish_local(self, event: dict[str, Any]) -> None:
        with self._lock:
            queues = list(self._dispatchers)
        for queue in queues:
            self._call(_offer, queue, event)

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        """:meth:`publish` for a batch: one hand-over to the loop, not one per event."""
        if not events:
            return
        if self.relay is not None:
            self.relay.send("dispatch", list(events))
        self.publish_many_local(events)

    def publish_many_local(self, events: list[dict[str, Any]]) -> None:
        with self._lock:
            queues = list(self._dispatchers)
        if queues:
            self._call(_offer_all, queues, list(events))


def _offer(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    if not queue.full():
        queue.put_nowait(event)


def _offer_all(queues: list[asyncio.Queue[dict[str, Any]]], events: list[dict[str, Any]]) -> None:
    for queue in queues:
        for event in events:
            _offer(queue, event)
