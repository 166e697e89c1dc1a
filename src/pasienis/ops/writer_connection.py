"""The position writer's own SQLite connection, and WAL checkpoints off its commit path.

On SQLite a commit in WAL mode with ``synchronous=NORMAL`` writes to the WAL without an
fsync: it is CPU work of a millisecond or so, durable against a killed process. Handing it
to a thread costs more than it saves on the one core the ingest process runs on: the thread
hop, and above all the GIL — every SQLite call releases and re-takes it, and while the event
loop is busy parsing requests each re-take can wait the interpreter's 5 ms switch interval.
So the writer commits on the event loop, on a connection of its own that never waits:

* ``busy_timeout=0``: when another process holds SQLite's write lock (the API process, a
  bulk load) ``BEGIN IMMEDIATE`` fails at once, and when another thread of this process
  holds the store's write gate the writer does not wait for it either: it commits that batch
  in a thread on a pooled connection that waits as usual — the event loop is never blocked
  on a lock;
* ``wal_autocheckpoint=0``: SQLite's automatic checkpoint runs inside the COMMIT that crosses
  the threshold, stalling every request of that batch: it copies the WAL's pages into the
  database and fsyncs both files — and since commits at ``synchronous=NORMAL`` never fsync,
  that first fsync has to write out the whole WAL that accumulated (up to the 100 MiB
  threshold). A :class:`Checkpointer` thread runs ``PASSIVE`` checkpoints on its own
  connection instead, once a second after new commits; they never block the writer, and
  SQLite releases the GIL while they copy and fsync.

A passive checkpoint copies the frames that were in the WAL when it began, and SQLite starts
the WAL afresh only when a write transaction begins with every frame copied back — under
steady ingest a transaction is open or commits during every checkpoint, that moment never
comes, and the WAL would grow without bound (measured: 120 MB after 8 s at 800 fixes/s). So
a pass adds short follow-up checkpoints (each copies what was committed during the one
before), and then the writer, between two batches, runs one more passive checkpoint on its
own connection (in a thread: it fsyncs) that copies the last commit or so; the next batch
restarts the WAL. The requests that arrive meanwhile wait a few milliseconds once a second,
not the whole pass.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from pasienis.ops.writer_stats import WriterStats
from pasienis.store import Store
from pasienis.store.checkpoints import CheckpointThread, checkpoint
from pasienis.store.checkpoints import driver as _driver

#: How often the checkpointer looks at the WAL (it checkpoints only after new commits).
CHECKPOINT_INTERVAL_S = 1.0
#: Passive checkpoints a pass may add to catch up with what was committed during the first.
FOLLOW_UPS = 3


def uses_own_connection(store: Store) -> bool:
    """Whether the writer commits on its own connection on the event loop (SQLite files;
    PostgreSQL commits wait on the network and the server's fsync: those stay in a thread)."""
    return store.engine_name == "sqlite" and store.pinned is None


class WriterConnection:
    """The writer's connection: opened by :meth:`open`, used only on the writer's loop."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._stack: contextlib.ExitStack | None = None
        self.conn: Connection | None = None

    def open(self) -> None:
        if self.conn is not None:
            return
        stack = contextlib.ExitStack()
        conn = stack.enter_context(self.store.connect())  # BEGIN IMMEDIATE for its writes
        raw = _driver(conn)
        raw.execute("PRAGMA busy_timeout=0")
        raw.execute("PRAGMA wal_autocheckpoint=0")
        self._stack, self.conn = stack, conn

    def begin(self) -> tuple[Connection, contextlib.ExitStack] | None:
        """The connection in a transaction holding SQLite's write lock (leaving the returned
        stack commits, or rolls back, and lets the next writer in), or ``None`` when another
        writer of this process (the store's write gate) or another connection holds the lock
        now — it never waits — or the connection is closed."""
        if self.conn is None:
            return None
        stack = contextlib.ExitStack()
        gate = self.store.write_gate
        if gate is not None:
            if not gate.acquire(blocking=False):
                return None
            stack.callback(gate.release)
        try:
            stack.enter_context(self.conn.begin())
        except OperationalError as exc:
            stack.close()
            if getattr(exc.orig, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY:
                return None
            raise
        except BaseException:
            stack.close()
            raise
        return self.conn, stack

    def catch_up(self) -> tuple[int, int]:
        """A passive checkpoint on the writer's connection (between batches: nothing is being
        appended, so it completes unless a reader pins older frames); the WAL's frames and
        the frames copied back."""
        if self.conn is None:
            return 0, 0
        return checkpoint(self.conn)

    def close(self) -> None:
        if self._stack is None or self.conn is None:
            return
        # Its pragmas differ from the pool's: discard it rather than hand it back.
        with contextlib.suppress(Exception):
            self.conn.invalidate()
        self._stack.close()
        self._stack, self.conn = None, None


class Checkpointer(CheckpointThread):
    """A thread that runs ``PRAGMA wal_checkpoint(PASSIVE)`` after the writer committed.

    ``commits`` returns a counter that grows with every commit; nothing new, no checkpoint.
    After each pass :meth:`take_catch_up` is true once: the writer's turn to finish it.
    """

    thread_name = "ops-wal-checkpoint"

    def __init__(
        self,
        store: Store,
        commits: Callable[[], int],
        stats: WriterStats,
        *,
        interval_s: float = CHECKPOINT_INTERVAL_S,
    ) -> None:
        super().__init__(store, interval_s=interval_s)
        self.commits = commits
        self.stats = stats
        self._catch_up = threading.Event()

    def marker(self, conn: Connection) -> int:
        return self.commits()

    def take_catch_up(self) -> bool:
        """Whether a pass finished since the last call (then the writer should catch up)."""
        if not self._catch_up.is_set():
            return False
        self._catch_up.clear()
        return True

    def run_pass(self, conn: Connection) -> None:
        """One pass: a passive checkpoint, then up to :data:`FOLLOW_UPS` more, each copying
        what was committed during the one before (less every time) until one finds nothing
        new; then the writer is asked to catch up (:meth:`take_catch_up`) — only the last
        commit or so is left for it to copy.

        The pass itself cannot let the WAL restart: a write transaction that began before it
        finished keeps reading the WAL, and so appends to it instead of starting it afresh.
        The writer's catch-up runs between two transactions."""
        started = time.perf_counter()
        wal_frames, _copied = checkpoint(conn)
        self.stats.wal_frames_max = max(self.stats.wal_frames_max, wal_frames)
        for _ in range(FOLLOW_UPS):
            previous = wal_frames
            wal_frames, _copied = checkpoint(conn)
            if wal_frames <= previous:  # nothing appended since the previous one began
                break
        self.stats.checkpoint_ms.add((time.perf_counter() - started) * 1e3)
        self._catch_up.set()
