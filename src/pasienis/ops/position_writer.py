"""Group commit for position ingest: one writer, one transaction per batch, shared by all.

Each request hands its authenticated fix to :meth:`PositionWriter.submit` and awaits it: the
answer comes only after the transaction holding the fix has committed, so a 200 means the
fix is durable (SQLite WAL or PostgreSQL commit). Fixes that arrive while a batch commits
form the next batch, so under load one commit serves hundreds of requests and when idle a
fix waits for nobody. One writer per process also means SQLite never sees two ingest
writers queueing on its lock.

When the queue is full (the store cannot keep up) :class:`IngestBusyError` answers 503 with
``Retry-After`` at once, instead of letting every request wait without bound.

On SQLite the batch commits on the event loop, on the writer's own connection, and WAL
checkpoints run in a thread of their own (:mod:`pasienis.ops.writer_connection` says why);
a batch goes to a thread only when another process holds SQLite's write lock. On PostgreSQL
every batch commits in a thread. What the writer did is counted in :attr:`stats`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pasienis.ops.delivery.hub import Hub
from pasienis.ops.errors import IngestBusyError
from pasienis.ops.fixes import Fix
from pasienis.ops.geofences import FenceIndexCache
from pasienis.ops.position_batch import Pending, store_fixes
from pasienis.ops.positions import live_events
from pasienis.ops.quality import FixRules
from pasienis.ops.writer_connection import Checkpointer, WriterConnection, uses_own_connection
from pasienis.ops.writer_stats import WriterStats
from pasienis.store import Store

log = logging.getLogger(__name__)


@dataclass
class _Job:
    item: Pending
    done: asyncio.Future[dict[str, Any]]
    #: When the fix was handed over (``time.perf_counter()``), for :attr:`PositionWriter.stats`.
    since: float = 0.0


class PositionWriter:
    """The process's single writer of positions (started in the app lifespan)."""

    def __init__(
        self,
        store: Store,
        *,
        rules: FixRules,
        hub: Hub | None = None,
        max_batch: int = 1000,
        max_queue: int = 20_000,
        on_stored: Callable[[list[dict[str, Any]]], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.rules = rules
        self.hub = hub
        self.max_batch = max_batch
        self.on_stored = on_stored
        self.clock = clock
        self.fences = FenceIndexCache()
        self._max_queue = max_queue
        self._queue: asyncio.Queue[_Job] = asyncio.Queue(max_queue)
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Counters for the metrics endpoint and the benchmark.
        self.batches = 0
        self.stored = 0
        self.stats = WriterStats()
        self._own: WriterConnection | None = None
        self._checkpointer: Checkpointer | None = None
        self._catching: asyncio.Future[tuple[int, int]] | None = None
        if uses_own_connection(store):
            self._own = WriterConnection(store)
            self._checkpointer = Checkpointer(store, lambda: self.batches, self.stats)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the writer on the running loop (again on a new loop: an app's lifespan may
        run more than once, each time on its own loop, and a queue belongs to one loop)."""
        loop = asyncio.get_running_loop()
        if self.running and self._loop is loop:
            return
        self._loop = loop
        self._queue = asyncio.Queue(self._max_queue)
        if self._own is not None and self._checkpointer is not None:
            self._own.open()
            self._checkpointer.start()
        self._task = loop.create_task(self._run(), name="ops-position-writer")

    async def stop(self) -> None:
        """Store what is queued, then stop."""
        if self._task is None:
            return
        if self._loop is not asyncio.get_running_loop():  # its loop is gone: nothing to await
            self._task = None
            self._close_own()
            return
        await self._queue.join()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if self._catching is not None:
            with contextlib.suppress(Exception):
                await self._catching
            self._catching = None
        self._close_own()

    def _close_own(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        if self._own is not None:
            self._own.close()

    async def submit(
        self, fix: Fix, device: dict[str, Any], *, want_id: bool = False
    ) -> dict[str, Any]:
        """Store ``fix`` of the authenticated ``device``; returns once it is committed.

        ``want_id``: the answer needs the new position's id (costs a row-by-row insert).

        Raises:
            DeviceAuthError: the device was deactivated or its secret rotated meanwhile.
            IngestBusyError: the queue is full.
        """
        if not self.running:
            raise IngestBusyError("the position writer is not running")
        job = _Job(
            Pending(fix=fix, device=device, want_id=want_id),
            asyncio.get_running_loop().create_future(),
            time.perf_counter(),
        )
        if asyncio.get_running_loop() is not self._loop:
            # A request on another event loop (a second test client, an embedding app) cannot
            # use this loop's queue: hand it to the writer's loop, or, when that loop is gone,
            # store it here on its own — committed before it is answered either way.
            writer_loop = self._loop
            if writer_loop is not None and writer_loop.is_running():
                handed = asyncio.run_coroutine_threadsafe(
                    self.submit(fix, device, want_id=want_id), writer_loop
                )
                return await asyncio.wrap_future(handed)
            await self._write([job], on_loop=False)
            return await job.done
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            raise IngestBusyError(
                "too many positions waiting to be stored", hint="retry in a second"
            ) from None
        return await job.done

    async def _run(self) -> None:
        while True:
            jobs = [await self._queue.get()]
            while len(jobs) < self.max_batch and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
            try:
                await self._write(jobs)
            finally:
                for _ in jobs:
                    self._queue.task_done()
            if self._checkpointer is not None and self._checkpointer.take_catch_up():
                await self._catch_up()

    async def _catch_up(self) -> None:
        """Finish the checkpointer's pass between two batches, so the WAL restarts."""
        if self._own is None:
            return
        started = time.perf_counter()
        # Shielded and remembered: stop() may cancel this task meanwhile, and must not close
        # the connection under the thread still checkpointing on it.
        self._catching = asyncio.ensure_future(asyncio.to_thread(self._own.catch_up))
        try:
            wal_frames, copied = await asyncio.shield(self._catching)
        except Exception:  # the next pass tries again; meanwhile the WAL only grows
            log.exception("WAL catch-up checkpoint failed")
            return
        self.stats.catch_up_ms.add((time.perf_counter() - started) * 1e3)
        if copied < wal_frames:
            self.stats.catch_up_incomplete += 1

    async def _write(self, jobs: list[_Job], *, on_loop: bool = True) -> None:
        items = [job.item for job in jobs]
        started = time.perf_counter()
        try:
            if not (on_loop and self._commit_here(items)):
                await asyncio.to_thread(self._commit, items)
                self.stats.threaded += 1
        except Exception as exc:
            log.exception("a batch of %d positions could not be stored", len(items))
            for job in jobs:
                if not job.done.done():
                    job.done.set_exception(exc)
            return
        self._answer(jobs, started)

    def _answer(self, jobs: list[_Job], started: float) -> None:
        """Answer the requests of a committed batch and announce their positions."""
        stats, now = self.stats, time.perf_counter()
        stats.batch_size.add(len(jobs))
        stats.commit_ms.add((now - started) * 1e3)
        events: list[dict[str, Any]] = []
        for job in jobs:
            stats.queued_ms.add((started - job.since) * 1e3)
            stats.wait_ms.add((now - job.since) * 1e3)
            if job.done.done():  # the request went away
                continue
            if job.item.error is not None:
                job.done.set_exception(job.item.error)
            elif job.item.result is not None:
                job.done.set_result(job.item.result)
                events.extend(live_events(job.item.result))
        if self.hub is not None:
            self.hub.publish_many(events)
        if self.on_stored is not None:
            self.on_stored(events)

    def _commit_here(self, items: list[Pending]) -> bool:
        """Commit on the event loop, on the writer's own connection (SQLite); ``False`` when
        there is none or another connection holds the write lock (never waits for it)."""
        began = self._own.begin() if self._own is not None else None
        if began is None:
            return False
        conn, transaction = began
        with transaction:
            store_fixes(conn, items, rules=self.rules, now=self.clock(), fences=self.fences)
        self._counted(items)
        self.stats.inline += 1
        return True

    def _commit(self, items: list[Pending]) -> None:
        with self.store.begin() as conn:
            store_fixes(conn, items, rules=self.rules, now=self.clock(), fences=self.fences)
        self._counted(items)

    def _counted(self, items: list[Pending]) -> None:
        self.batches += 1
        self.stored += sum(1 for i in items if i.result is not None)
