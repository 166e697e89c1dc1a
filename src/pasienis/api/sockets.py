"""Open WebSockets by who they belong to, so a revocation closes them at once.

A WebSocket authenticates once, at its start; without this registry a disabled account, a
revoked session, a removed role or a rotated device secret would keep its open socket (and
keep receiving live positions). Each socket is registered under its *subjects* —
``user:<id>``, ``credential:<session or token id>``, ``device:<id>`` — and
:meth:`SocketRegistry.revoke` pokes every socket of a subject; the socket then re-checks its
credential against the store and closes (1008) when it no longer holds. Sockets also re-check
every ``ws_recheck_seconds``, which covers changes made by another process (the CLI, another
worker) until a cross-worker fan-out exists.

Multi-worker fan-out: publish the same subject strings on a Redis (or ``LISTEN/NOTIFY``)
channel and let each worker call :meth:`SocketRegistry.revoke` on its own registry; nothing
here needs to change for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator

from fastapi import WebSocket
from fastapi.concurrency import run_in_threadpool

POLICY_VIOLATION = 1008


def user_subject(user_id: str) -> str:
    """The subject of every socket of an account."""
    return f"user:{user_id}"


def credential_subject(credential_id: str) -> str:
    """The subject of the sockets opened with one session or token."""
    return f"credential:{credential_id}"


def device_subject(device_id: str) -> str:
    """The subject of the sockets of one device."""
    return f"device:{device_id}"


class Watch:
    """One socket's wake-up flag, set from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.event = asyncio.Event()

    def poke(self) -> None:
        """Ask the socket to re-check its credential (thread-safe)."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: the socket is gone
            self.loop.call_soon_threadsafe(self.event.set)


class SocketRegistry:
    """Subjects → the watches of their open sockets (in this process)."""

    def __init__(self) -> None:
        self._watches: dict[str, set[Watch]] = defaultdict(set)
        self._lock = threading.Lock()
        #: Told of every revocation made here, to pass it on to the other workers.
        self.on_revoke: Callable[[list[str]], None] | None = None

    @contextlib.contextmanager
    def watch(self, *subjects: str) -> Iterator[Watch]:
        """Register the running socket under ``subjects`` for as long as the block runs."""
        watch = Watch(asyncio.get_running_loop())
        with self._lock:
            for subject in subjects:
                self._watches[subject].add(watch)
        try:
            yield watch
        finally:
            with self._lock:
                for subject in subjects:
                    self._watches[subject].discard(watch)
                    if not self._watches[subject]:
                        del self._watches[subject]

    def revoke(self, *subjects: str) -> int:
        """Poke every socket of ``subjects`` here and (with a relay) in every other worker;
        returns how many were poked here."""
        if self.on_revoke is not None:
            self.on_revoke(list(subjects))
        return self.revoke_local(*subjects)

    def revoke_local(self, *subjects: str) -> int:
        """Poke the sockets of ``subjects`` in this process only."""
        with self._lock:
            found = {w for s in subjects for w in self._watches.get(s, ())}
        for watch in found:
            watch.poke()
        return len(found)

    def count(self, subject: str) -> int:
        """Open sockets of ``subject`` (for tests and metrics)."""
        with self._lock:
            return len(self._watches.get(subject, ()))


async def guarded(
    websocket: WebSocket,
    work: Awaitable[None],
    *,
    watch: Watch,
    still_valid: Callable[[], bool],
    every_s: float,
) -> None:
    """Run ``work`` until it ends, or close the socket once ``still_valid()`` is false.

    ``still_valid`` runs in a worker thread (it reads the store) when the socket is poked and
    every ``every_s`` seconds.
    """
    task = asyncio.ensure_future(work)
    try:
        while not task.done():
            waiter = asyncio.ensure_future(watch.event.wait())
            await asyncio.wait({task, waiter}, timeout=every_s, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if task.done():
                break
            watch.event.clear()
            if not await run_in_threadpool(still_valid):
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
                with contextlib.suppress(Exception):
                    await websocket.close(code=POLICY_VIOLATION, reason="credential revoked")
                return
        task.result()
    finally:
        if not task.done():
            task.cancel()
