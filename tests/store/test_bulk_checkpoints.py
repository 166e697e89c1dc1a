"""A bulk writer's WAL is copied from a thread after each commit (``bulk_checkpoints``).

The import's writer process commits large transactions back to back; its own commits should
not stop to checkpoint, and the WAL must stay bounded all the same.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Connection, text

from pasienis.config import Settings
from pasienis.store import Store, bulk_checkpoints, open_store
from pasienis.store.checkpoints import AfterCommits, driver
from pasienis.store.dialects.sqlite import held

THRESHOLD = 1 << 20  # 1 MiB, so that a test crosses it many times


def _store(path: Path) -> Store:
    store = open_store(Settings(database_url=f"sqlite:///{path}"))
    with store.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB)"))
    return store


def _pragma(conn: Connection, name: str) -> int:
    return int(driver(conn).execute(f"PRAGMA {name}").fetchone()[0])


def _transaction(store: Store, conn: Connection, rows: int = 10) -> None:
    with store.begin(conn):
        for _ in range(rows):
            conn.execute(text("INSERT INTO t (v) VALUES (randomblob(20000))"))


def _wait_for_pass(worker: AfterCommits, before: int) -> None:
    deadline = time.monotonic() + 10
    while worker.passes == before and time.monotonic() < deadline:
        time.sleep(0.01)


def test_threshold_is_raised_while_the_block_runs_and_restored_after(tmp_path: Path) -> None:
    store = _store(tmp_path / "bulk.db")
    with store.connect() as conn:
        before, page = _pragma(conn, "wal_autocheckpoint"), _pragma(conn, "page_size")
        with bulk_checkpoints(store, conn, wal_bytes=THRESHOLD) as worker:
            assert isinstance(worker, AfterCommits)
            assert _pragma(conn, "wal_autocheckpoint") == THRESHOLD // page != before
        assert _pragma(conn, "wal_autocheckpoint") == before
    store.dispose()


def test_commits_are_copied_and_the_wal_stays_bounded(tmp_path: Path) -> None:
    path = tmp_path / "bulk.db"
    store = _store(path)
    transactions = 80  # ~16 MB in ~200 kB transactions: the WAL would pass 1 MiB 16 times
    with store.connect() as conn, bulk_checkpoints(store, conn, wal_bytes=THRESHOLD) as worker:
        assert worker is not None
        for _ in range(transactions):
            _transaction(store, conn)
        _wait_for_pass(worker, 0)
    assert worker.passes > 0, "no commit was copied from the thread"
    largest = path.with_name(path.name + "-wal").stat().st_size  # the file never shrinks
    assert largest < THRESHOLD + 3 * 10 * 20_000 * 2, f"the WAL grew to {largest} bytes"
    with store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == transactions * 10
    store.dispose()


def test_a_pass_runs_while_the_writer_holds_the_write_gate(tmp_path: Path) -> None:
    """The writer holds the process's write gate for each transaction, and begins the next
    one at once: the copy must not wait for the gate (the server's passes may)."""
    store = _store(tmp_path / "bulk.db")
    with store.connect() as conn, bulk_checkpoints(store, conn) as worker:
        assert worker is not None
        _transaction(store, conn)
        _wait_for_pass(worker, 0)
        before = worker.passes
        with held(store.write_gate):
            _transaction(store, conn)  # the gate is re-entrant: this thread commits
            _wait_for_pass(worker, before)
            assert worker.passes > before, "the pass waited for the write gate"
    store.dispose()


def test_the_thread_copies_what_the_wal_holds_when_it_starts(tmp_path: Path) -> None:
    """The index rebuild after an import starts its thread on a WAL the import's writer left
    uncopied: the first pass does not wait for a commit."""
    path = tmp_path / "bulk.db"
    store = _store(path)
    with store.connect() as conn:
        driver(conn).execute("PRAGMA wal_autocheckpoint=0")
        for _ in range(5):
            _transaction(store, conn)
        with store.connect() as other, bulk_checkpoints(store, other) as worker:
            assert worker is not None
            _wait_for_pass(worker, 0)
            assert worker.passes >= 1
        frames, copied = (int(v) for v in driver(conn).execute(
            "PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1:])  # fmt: skip
        assert frames > 0
        assert copied == frames
    store.dispose()


def test_nothing_for_a_pinned_store(tmp_path: Path) -> None:
    store = _store(tmp_path / "pinned.db")
    with store.engine.connect() as conn:
        pinned = replace(store, pinned=conn)
        with pinned.connect() as own, bulk_checkpoints(pinned, own) as worker:
            assert worker is None
    store.dispose()
