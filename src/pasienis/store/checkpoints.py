"""WAL checkpoints of a server process in a thread of their own, off the commit path.

SQLite checkpoints automatically inside the ``COMMIT`` that takes the WAL past its threshold
(``wal_autocheckpoint``, ~100 MiB here): that commit copies the whole WAL into the database
and fsyncs both files — and since commits at ``synchronous=NORMAL`` never fsync, it writes
out everything that accumulated. Task creation writes ~360 KB of WAL per task (16 KiB pages:
task, events, outbox, unit, audit chain, the device's ack), so at 10 tasks/s one request in
~300 carried a 130-180 ms checkpoint, and every writer of the process queued behind it
(docs/benchmarks.md, issue 19).

:class:`Checkpoints` runs ``PRAGMA wal_checkpoint(PASSIVE)`` once a second after other
connections committed, so the WAL restarts long before the threshold and no commit carries a
checkpoint; the threshold stays as the backstop for processes without this thread (the CLI,
bulk loads) and for a WAL a long reader keeps from restarting. A passive checkpoint never
waits, but frames committed while it runs stay uncopied and the WAL could not restart under
steady writes (``pasienis.ops.writer_connection`` measured that); so a pass that left frames
behind copies them once more holding the store's write gate — this process's writers wait
for that short copy (the last second's commits at most), and the next one restarts the WAL.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from pasienis.store.dialects.sqlite import held

if TYPE_CHECKING:
    from pasienis.store.engine import Store

log = logging.getLogger(__name__)

#: How often the thread looks for new commits (it checkpoints only after some).
INTERVAL_S = 1.0


def checkpoint(conn: Connection) -> tuple[int, int]:
    """``PRAGMA wal_checkpoint(PASSIVE)``: never waits for readers or the writer. Returns the
    frames in the WAL and how many of them are now copied into the database."""
    _busy, wal_frames, copied = driver(conn).execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(wal_frames), int(copied)


def driver(conn: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under ``conn`` (in autocommit: pysqlite's own transaction
    handling is off, so a PRAGMA runs outside any transaction)."""
    return conn.connection.driver_connection  # type: ignore[return-value]


class CheckpointThread:
    """A daemon thread that runs :meth:`run_pass` on a connection of its own every
    ``interval_s`` after new commits (:meth:`marker` changed), so idle stores cost nothing.
    Subclasses say what a pass does and what tells them something was committed."""

    #: The thread's name (shows in py-spy and the logs).
    thread_name = "store-checkpoints"
    #: Whether the thread makes a pass as soon as it starts (for what the WAL already holds).
    pass_at_start = False

    def __init__(self, store: Store, *, interval_s: float = INTERVAL_S) -> None:
        self.store = store
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, *, wait: bool = True) -> None:
        """Stop after the pass in flight, if any; ``wait=False`` returns at once (a later
        :meth:`stop` waits)."""
        self._stop.set()
        if wait and self._thread is not None:
            self._thread.join(30)
            self._thread = None

    def marker(self, conn: Connection) -> int:
        """A number that changes whenever something was committed since the last look."""
        raise NotImplementedError

    def run_pass(self, conn: Connection) -> object:
        """One round of checkpointing on the thread's connection."""
        raise NotImplementedError

    def _run(self) -> None:
        try:
            with self.store.connect() as conn:
                seen = self.marker(conn)
                if self.pass_at_start:
                    self.run_pass(conn)
                while not self._stop.wait(self.interval_s):
                    now = self.marker(conn)
                    if now == seen:
                        continue
                    seen = now
                    try:
                        self.run_pass(conn)
                    except Exception:  # the next round tries again; the threshold backs it
                        log.exception("WAL checkpoint failed")
        except Exception:
            log.exception("the WAL checkpoint thread %s stopped", self.thread_name)


class Checkpoints(CheckpointThread):
    """A passive checkpoint after other connections committed, finished under the write gate."""

    def __init__(self, store: Store, *, interval_s: float = INTERVAL_S) -> None:
        super().__init__(store, interval_s=interval_s)
        #: Passes run and passes that had to finish under the gate (for tests and metrics).
        self.passes = 0
        self.gated = 0

    def marker(self, conn: Connection) -> int:
        # ``data_version`` changes when any other connection (or process) committed.
        return int(driver(conn).execute("PRAGMA data_version").fetchone()[0])

    def run_pass(self, conn: Connection) -> tuple[int, int]:
        """One passive checkpoint; when commits landed meanwhile (or a reader held frames
        back), one more under the write gate. The WAL's frames and how many are copied."""
        before = self.marker(conn)
        frames, copied = checkpoint(conn)
        self.passes += 1
        gate = self.store.write_gate
        done = copied == frames and self.marker(conn) == before
        if done or gate is None:
            return frames, copied
        with held(gate):  # nothing of this process appends while it copies the rest
            frames, copied = checkpoint(conn)
        self.gated += 1
        return frames, copied


#: How far a bulk writer's WAL may grow before its own commit checkpoints (see
#: :func:`bulk_checkpoints`). 1M crossings, writer alone: 12.95 s with the store's ~100 MiB and
#: no thread; 11.7-12.1 s with the thread and 256 MiB; 128 MiB 12.0-12.5 s, 512 MiB slower.
BULK_CHECKPOINT_BYTES = 256 * 1024 * 1024
#: How soon :class:`AfterCommits` notices a commit (a ``PRAGMA data_version`` per look).
AFTER_COMMIT_S = 0.02


class AfterCommits(Checkpoints):
    """A passive checkpoint as soon as a bulk writer committed, never under the write gate.

    The import's writer process commits large transactions back to back. Checkpointed inside
    its own commits (SQLite's threshold), the writer stops for each copy and fsync; copied
    from this thread, on the other core, while the writer fills its next transaction, it
    does not. Frames written meanwhile stay for the next pass, and the WAL restarts when the
    writer's raised threshold checkpoints inline — by then nearly everything is copied."""

    thread_name = "bulk-checkpoints"
    pass_at_start = True

    def __init__(self, store: Store, writer: sqlite3.Connection, *, interval_s: float) -> None:
        super().__init__(store, interval_s=interval_s)
        self._writer = writer

    def run_pass(self, conn: Connection) -> tuple[int, int]:
        self.passes += 1
        return checkpoint(conn)

    def last_commit_next(self) -> None:
        """The writer's next commit is its last: it copies nothing inline, and no pass here
        follows it (alone at the end of 1M crossings that copy took 0.66 s). The next bulk
        writer on the file — the import's index rebuild — copies it while its builds sort."""
        self.stop(wait=False)
        self._writer.execute("PRAGMA wal_autocheckpoint=0")


@contextmanager
def bulk_checkpoints(
    store: Store, conn: Connection, *, wal_bytes: int = BULK_CHECKPOINT_BYTES
) -> Iterator[AfterCommits | None]:
    """While the block writes on ``conn`` (an SQLite file's bulk writer): its inline
    checkpoint threshold raised to ``wal_bytes``, the WAL file not cut back at each restart
    (it would be regrown by the next transaction), and :class:`AfterCommits` copying each
    commit from a thread; all undone after. Nothing on PostgreSQL or for a pinned store."""
    if not _checkpointed_here(store):
        yield None
        return
    raw = driver(conn)
    page_size = int(raw.execute("PRAGMA page_size").fetchone()[0])
    before = int(raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    limit = int(raw.execute("PRAGMA journal_size_limit").fetchone()[0])
    raw.execute(f"PRAGMA wal_autocheckpoint={max(wal_bytes // page_size, 1)}")
    raw.execute("PRAGMA journal_size_limit=-1")
    try:
        with _running(AfterCommits(store, raw, interval_s=AFTER_COMMIT_S)) as worker:
            yield worker
    finally:
        raw.execute(f"PRAGMA wal_autocheckpoint={before}")
        raw.execute(f"PRAGMA journal_size_limit={limit}")


@contextmanager
def background_checkpoints(
    store: Store, *, interval_s: float = INTERVAL_S
) -> Iterator[Checkpoints | None]:
    """Run :class:`Checkpoints` for an SQLite file while the block runs (a server's
    lifespan); nothing on PostgreSQL (it checkpoints itself) or for a pinned test store."""
    if not _checkpointed_here(store):
        yield None
        return
    with _running(Checkpoints(store, interval_s=interval_s)) as worker:
        yield worker


def _checkpointed_here(store: Store) -> bool:
    """Whether this process checkpoints the store's WAL itself: an SQLite file (it has a
    write gate) not pinned to one test connection."""
    return store.write_gate is not None and store.pinned is None


@contextmanager
def _running[T: CheckpointThread](worker: T) -> Iterator[T]:
    """``worker`` started for the block, stopped after it."""
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
