"""SQLite done right: WAL, one writer at a time (BEGIN IMMEDIATE), readers never blocked."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from pasienis.config import Settings
from pasienis.model.events import plate_reads, row_columns
from pasienis.store import Store, open_store, upgrade

COLS = list(row_columns(plate_reads))
T0 = datetime(2026, 9, 1, tzinfo=UTC)


def row(key: str, i: int) -> tuple:
    return (f"{key}{i}", T0 + timedelta(seconds=i), 54.0, 25.0, "d", None, None, None,
            "CAM", "ABC123", None, "LT", 0.9, None)  # fmt: skip


def test_wal_mode_and_features(sqlite_store: Store) -> None:
    with sqlite_store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    sqlite_store.check()


def test_two_writers_queue_instead_of_failing(sqlite_store: Store) -> None:
    errors: list[BaseException] = []

    def writer(key: str) -> None:
        try:
            for batch in range(5):
                with sqlite_store.begin() as conn:
                    rows = [row(key, batch * 100 + i) for i in range(100)]
                    sqlite_store.bulk_insert(conn, plate_reads, COLS, rows)
                    time.sleep(0.01)  # hold the write lock so the writers really overlap
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sqlite_store.read() as conn:
        assert conn.execute(select(func.count()).select_from(plate_reads)).scalar() == 1000


def test_reader_sees_committed_data_while_a_writer_holds_the_lock(sqlite_store: Store) -> None:
    with sqlite_store.begin() as conn:
        sqlite_store.bulk_insert(conn, plate_reads, COLS, [row("x", 1)])
    with sqlite_store.begin() as writer:
        sqlite_store.bulk_insert(writer, plate_reads, COLS, [row("x", 2)])
        with sqlite_store.read() as reader:  # would raise "database is locked" without WAL
            count = reader.execute(select(func.count()).select_from(plate_reads)).scalar()
        assert count == 1


def test_a_new_store_takes_the_configured_page_size_and_an_old_file_keeps_its_own(
    tmp_path,
) -> None:
    def page_size(store: Store) -> int:
        with store.read() as conn:
            return conn.exec_driver_sql("PRAGMA page_size").scalar()

    url = f"sqlite:///{tmp_path / 'pages.db'}"
    store = open_store(Settings(database_url=url, sqlite_page_size=8192))
    upgrade(store)
    assert page_size(store) == 8192
    store.dispose()
    reopened = open_store(Settings(database_url=url, sqlite_page_size=32768))
    try:
        assert page_size(reopened) == 8192  # a page size is the file's, fixed at creation
        with reopened.read() as conn:  # the checkpoint interval follows the real page size
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 100 * 128
    finally:
        reopened.dispose()


def test_an_unsupported_page_size_is_refused() -> None:
    with pytest.raises(ValidationError, match="4096, 8192, 16384, 32768, 65536"):
        Settings(sqlite_page_size=1000)
