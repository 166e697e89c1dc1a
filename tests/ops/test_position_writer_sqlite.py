"""The position writer on an SQLite file: its own connection, the lock fallback, the WAL.

The writer commits on the event loop on a connection that never waits for SQLite's write
lock; when another connection holds it, the batch goes to a thread and is answered only
after it committed there. WAL checkpoints run off the commit path, and the catch-up between
batches lets SQLite restart the WAL, so it stays bounded under steady ingest.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from tests.conftest import run_async

from pasienis.config import Settings
from pasienis.ops import service
from pasienis.ops.fixes import Fix
from pasienis.ops.models import positions
from pasienis.ops.position_writer import PositionWriter
from pasienis.ops.quality import FixRules
from pasienis.store import Store, open_store, upgrade


def _store(tmp_path: Path) -> tuple[Store, Path, dict]:
    db = tmp_path / "writer.db"
    settings = Settings(database_url=f"sqlite:///{db}", data_dir=tmp_path)
    store = open_store(settings)
    upgrade(store)
    with store.begin() as conn:
        service.add_unit(conn, call_sign="W1")
        service.add_device(conn, device_id="w1", unit_ref="W1")
    return store, db, {"id": "w1", "credential_generation": 1}


def _fix(n: int) -> Fix:
    at = datetime.now(UTC) - timedelta(hours=1) + timedelta(seconds=n)
    return Fix(device_id="w1", lat=54.6 + n * 1e-5, lon=25.2, fixed_at=at, source="osmand")


def _stored(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(positions)).scalar_one())


def test_a_held_write_lock_sends_the_batch_to_a_thread_and_answers_after_it(
    tmp_path: Path,
) -> None:
    store, db, device = _store(tmp_path)

    async def run() -> PositionWriter:
        writer = PositionWriter(store, rules=FixRules())
        writer.start()
        await writer.submit(_fix(0), device)  # on the loop, on the writer's connection
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process's write transaction
        answer = asyncio.create_task(writer.submit(_fix(1), device))
        await asyncio.sleep(0.3)
        assert not answer.done(), "answered while its fix could not have been committed"
        other.execute("COMMIT")
        other.close()
        await answer
        # Still a connection that never waits (the store's begin must not restore its own
        # busy timeout on it, nor make it ask and wait on the loop).
        assert writer._own is not None
        assert writer._own.conn is not None
        own = writer._own.conn.connection.driver_connection
        assert own.execute("PRAGMA busy_timeout").fetchone()[0] == 0
        await writer.stop()
        return writer

    writer = run_async(run())
    assert _stored(store) == 2
    assert (writer.stats.inline, writer.stats.threaded) == (1, 1)
    store.dispose()


def test_the_catch_up_between_batches_restarts_the_wal(tmp_path: Path) -> None:
    store, db, device = _store(tmp_path)
    probe = sqlite3.connect(db, isolation_level=None)

    def wal_frames() -> int:
        return int(probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])

    async def run() -> tuple[int, int]:
        writer = PositionWriter(store, rules=FixRules())
        writer.start()
        for n in range(40):
            await writer.submit(_fix(n), device)
        grown = wal_frames()
        assert writer._checkpointer is not None
        with store.connect() as conn:
            writer._checkpointer.run_pass(conn)  # what its thread does once a second
        await writer.submit(_fix(100), device)  # the catch-up runs after this batch
        await writer.submit(_fix(101), device)  # ... and this one starts the WAL afresh
        after = wal_frames()
        await writer.stop()
        return grown, after

    grown, after = run_async(run())
    probe.close()
    assert after < grown / 4, f"the WAL kept growing: {grown} frames, then {after}"
    assert _stored(store) == 42
    store.dispose()
