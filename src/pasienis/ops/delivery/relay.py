"""Redis pub/sub between the server's worker processes (and hosts): one channel, JSON messages.

A worker tells the others what it told its own sockets: wake-ups of unit connections (a task
was written), events for dispatcher consoles (positions, task changes, alarms) and revocations
(a device secret rotated, a session ended: close those sockets, forget cached credentials).
Like the hub it carries *notifications* only — the store stays the truth, every receiver reads
the outbox itself — so a lost message costs at most the outbox watch's interval, never data.

Messages: ``{"origin": <worker id>, "kind": "wake" | "dispatch" | "revoke", "data": ...}``;
a worker ignores its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
CHANNEL = "pasienis:ops"
RECONNECT_S = 1.0

Handler = Callable[[Any], None]


class Relay:
    """Publish to and listen on the deployment's Redis channel (started in the lifespan)."""

    def __init__(self, url: str, *, channel: str = CHANNEL) -> None:
        self.url = url
        self.channel = channel
        self.origin = uuid.uuid4().hex
        self._handlers: dict[str, Handler] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[tuple[str, Any]] | None = None
        self.subscribed = asyncio.Event()
        self.received = 0

    def on(self, kind: str, handler: Handler) -> None:
        """Call ``handler(data)`` (on the loop) for messages of ``kind`` from other workers."""
        self._handlers[kind] = handler

    def send(self, kind: str, data: Any) -> None:
        """Queue a message for the other workers; callable from any thread."""
        loop, queue = self._loop, self._queue
        if loop is None or queue is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            queue.put_nowait((kind, data))
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(queue.put_nowait, (kind, data))

    async def run(self) -> None:
        """Publish and subscribe until cancelled, reconnecting when Redis goes away."""
        import redis.asyncio as aioredis  # optional engine: imported only when configured

        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        while True:
            client = aioredis.from_url(self.url)
            try:
                pubsub = client.pubsub()
                await pubsub.subscribe(self.channel)
                self.subscribed.set()
                publisher = asyncio.create_task(self._publish(client))
                try:
                    await self._listen(pubsub)
                finally:
                    publisher.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await publisher
            except (OSError, aioredis.RedisError) as exc:
                self.subscribed.clear()
                log.warning("Redis relay disconnected (%s); retrying in %ss", exc, RECONNECT_S)
                await asyncio.sleep(RECONNECT_S)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def _publish(self, client: Any) -> None:
        assert self._queue is not None  # set in run() before this starts
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < 500:
                batch.append(self._queue.get_nowait())
            async with client.pipeline(transaction=False) as pipe:
                for kind, data in batch:
                    message = {"origin": self.origin, "kind": kind, "data": data}
                    pipe.publish(self.channel, json.dumps(message, default=str))
                await pipe.execute()

    async def _listen(self, pubsub: Any) -> None:
        async for raw in pubsub.listen():
            if raw.get("type") != "message":
                continue
            try:
                message = json.loads(raw["data"])
                origin, kind, data = message["origin"], message["kind"], message["data"]
            except (ValueError, KeyError, TypeError):
                log.warning("unreadable message on %s dropped", self.channel)
                continue
            handler = self._handlers.get(kind)
            if origin == self.origin or handler is None:
                continue
            self.received += 1
            try:
                handler(data)
            except Exception:  # one bad message must not stop the relay
                log.exception("relay handler for %s failed", kind)
