"""Deferred secondary indexes for bulk loads, on both engines (store.bulkload)."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import IntegrityError

from pasienis.config import Settings
from pasienis.model.events import border_crossings, row_columns
from pasienis.model.models import STATEMENT_COLUMNS, statements
from pasienis.model.statements import Provenance, entity_statements
from pasienis.store import (
    OnConflict,
    Store,
    StoreError,
    defer_indexes,
    deferred,
    droppable_indexes,
    estimate_rows,
    open_store,
    restore_indexes,
)
from pasienis.store.bulkload import if_not_exists
from pasienis.store.dialects import postgresql as pg_dialect

T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
BC = "border_crossings"
BC_INDEXES = {
    "ix_border_crossings_checkpoint_time",
    "ix_border_crossings_person_id",
    "ix_border_crossings_vehicle_id",
}
ST_INDEXES = {
    "ix_statements_entity_id",
    "ix_statements_prop_type_value",
    "ix_statements_run_id",
}
BC_COLS = list(row_columns(border_crossings))


def crossing(i: int) -> tuple:
    return (
        f"bc{i}", T0 + timedelta(minutes=i), 54.6, 25.2, "border", f"x.csv:{i}", "run-1", None,
        f"cp{i % 3}", "entry", f"p{i % 10}", f"v{i % 7}", None,
    )  # fmt: skip


def load_crossings(store: Store, n: int, start: int = 0) -> None:
    with store.begin() as conn:
        store.bulk_insert(conn, border_crossings, BC_COLS, [crossing(start + i) for i in range(n)])


def catalog(conn: Connection, table: str) -> dict[str, str | None]:
    """Every index of ``table`` with its DDL as the engine's catalog holds it."""
    if conn.dialect.name == "sqlite":
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
    else:
        sql = (
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = :t"
        )
    return dict(conn.execute(text(sql), {"t": table}).all())


def snapshot(store: Store, *tables: str) -> dict[str, str | None]:
    with store.read() as conn:
        return {k: v for t in tables for k, v in catalog(conn, t).items()}


def defer(store: Store, table: str, owner: str = "run-1") -> list[str]:
    with store.begin() as conn:
        return defer_indexes(conn, table, owner=owner)


def pending(store: Store) -> set[str]:
    with store.read() as conn:
        return {row["index_name"] for row in deferred(conn)}


def count(store: Store, table) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_defer_drops_exactly_the_secondary_indexes_and_records_their_ddl(store: Store) -> None:
    before = snapshot(store, BC)
    with store.read() as conn:
        assert {name for name, _ in droppable_indexes(conn, BC)} == BC_INDEXES
    assert set(defer(store, BC, owner="run-7")) == BC_INDEXES
    after = snapshot(store, BC)
    assert set(after) == set(before) - BC_INDEXES
    assert after, "the primary key's index stays"
    with store.read() as conn:
        rows = deferred(conn)
    assert {r["index_name"]: r["ddl"] for r in rows} == {n: before[n] for n in BC_INDEXES}
    assert {(r["table_name"], r["owner"]) for r in rows} == {(BC, "run-7")}
    assert all(r["deferred_at"].tzinfo is not None for r in rows)


def test_primary_key_and_unique_indexes_survive(store: Store) -> None:
    with store.begin() as conn:
        conn.exec_driver_sql(f"CREATE UNIQUE INDEX ux_bc_locator ON {BC} (locator)")
    before = snapshot(store, BC, "ops_tasks")
    defer(store, BC)
    assert set(defer(store, "ops_tasks")) == {
        "ix_ops_tasks_category",
        "ix_ops_tasks_status",
        "ix_ops_tasks_unit_id",
    }
    after = snapshot(store, BC, "ops_tasks")
    assert "ux_bc_locator" in after
    assert len(after) == len(before) - 6  # the pk of each table, uq_ops_tasks_alert_id stay
    load_crossings(store, 1)
    duplicate = dict(zip(BC_COLS, crossing(0), strict=True)) | {"id": "other"}
    with pytest.raises(IntegrityError), store.begin() as conn:
        conn.execute(border_crossings.insert(), duplicate)  # unique locator still enforced


def test_imports_stay_idempotent_while_deferred(store: Store) -> None:
    defer(store, BC)
    defer(store, "statements")
    load_crossings(store, 100)
    load_crossings(store, 100, start=50)  # ON CONFLICT DO NOTHING on the primary key
    assert count(store, border_crossings) == 150
    props = {"name": "Jonas Žukauskas", "birthDate": "1979-04-12"}
    for day in (0, 3):
        rows = entity_statements("p1", "Person", props, Provenance("reg", T0 + timedelta(day)))
        with store.begin() as conn:
            store.bulk_insert(
                conn, statements, STATEMENT_COLUMNS, rows, on_conflict=OnConflict.TOUCH
            )
    with store.read() as conn:
        seen = conn.execute(select(statements.c.first_seen, statements.c.last_seen)).all()
    assert len(seen) == 3
    assert set(seen) == {(T0, T0 + timedelta(3))}


def test_restore_recreates_identical_indexes(store: Store) -> None:
    before = snapshot(store, BC, "statements")
    defer(store, BC)
    defer(store, "statements")
    load_crossings(store, 200)
    assert set(restore_indexes(store)) == BC_INDEXES | ST_INDEXES
    assert snapshot(store, BC, "statements") == before
    assert pending(store) == set()


def test_defer_and_restore_are_idempotent(store: Store) -> None:
    before = snapshot(store, BC)
    assert set(defer(store, BC)) == BC_INDEXES
    assert defer(store, BC) == []
    assert defer(store, BC, owner="someone-else") == []
    assert set(restore_indexes(store)) == BC_INDEXES
    assert restore_indexes(store) == []
    assert snapshot(store, BC) == before
    assert set(defer(store, BC)) == BC_INDEXES, "deferring again after a restore works"


def test_restore_only_some_owners_or_tables(store: Store) -> None:
    defer(store, BC, owner="run-a")
    defer(store, "plate_reads", owner="run-a")
    defer(store, "statements", owner="run-b")
    plate_reads_indexes = pending(store) - BC_INDEXES - ST_INDEXES
    assert plate_reads_indexes
    assert set(restore_indexes(store, owners=["run-b"])) == ST_INDEXES
    assert pending(store) == BC_INDEXES | plate_reads_indexes
    assert set(restore_indexes(store, tables=[BC])) == BC_INDEXES
    assert pending(store) == plate_reads_indexes
    assert restore_indexes(store, tables=[BC], owners=["run-a"]) == []
    assert set(restore_indexes(store, owners=["run-a"])) == plate_reads_indexes
    with store.read() as conn:
        assert deferred(conn) == []


def test_a_rerun_finishes_an_interrupted_restore(store: Store) -> None:
    """Recorded but already built (the state a crash between build and forget would leave)."""
    before = snapshot(store, BC)
    defer(store, BC)
    with store.begin() as conn:
        conn.exec_driver_sql(before["ix_border_crossings_person_id"] or "")
    assert "ix_border_crossings_person_id" in pending(store)
    assert set(restore_indexes(store)) == BC_INDEXES
    assert snapshot(store, BC) == before
    assert pending(store) == set()


def test_progress_is_reported_before_and_after_each_index(store: Store) -> None:
    defer(store, BC)
    calls: list[tuple[int, int, str]] = []
    restore_indexes(store, progress=lambda *a: calls.append(a))
    names = sorted(BC_INDEXES)
    assert calls == [(d, 3, names[i]) for i in range(3) for d in (i, i + 1)]


def plan(conn: Connection, sql: str) -> str:
    if conn.dialect.name == "sqlite":
        # A read first: SQLite plans with the schema the connection last read, and only a
        # statement that reads the database checks it is current. EXPLAIN QUERY PLAN reads
        # nothing, so a pooled connection last used before the index was built (the index
        # rebuild's checkpoint thread's) answered SCAN; a query proper is planned again.
        conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
        return " ".join(r[3] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a few rows: force the choice
    return " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))


def test_query_plans_use_the_index_after_restore(store: Store) -> None:
    load_crossings(store, 500)
    query = f"SELECT id FROM {BC} WHERE person_id = 'p3'"
    defer(store, BC)
    with store.begin() as conn:
        assert "ix_border_crossings_person_id" not in plan(conn, query)
    restore_indexes(store)
    with store.begin() as conn:
        assert "ix_border_crossings_person_id" in plan(conn, query)
        found = conn.exec_driver_sql(query).scalars().all()
    assert len(found) == 50


def test_index_of_a_dropped_table_is_forgotten(store: Store) -> None:
    with store.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE bulk_probe (id INTEGER PRIMARY KEY, v TEXT)")
        conn.exec_driver_sql("CREATE INDEX ix_bulk_probe_v ON bulk_probe (v)")
    assert defer(store, "bulk_probe") == ["ix_bulk_probe_v"]
    with store.begin() as conn:
        conn.exec_driver_sql("DROP TABLE bulk_probe")
    assert restore_indexes(store) == []
    assert pending(store) == set()


def test_an_index_that_no_longer_fits_its_table_is_a_clear_error(store: Store) -> None:
    with store.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE bulk_probe (id INTEGER PRIMARY KEY, v TEXT, w TEXT)")
        conn.exec_driver_sql("CREATE INDEX ix_bulk_probe_v ON bulk_probe (v)")
    defer(store, "bulk_probe")
    with store.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE bulk_probe DROP COLUMN v")
    with pytest.raises(StoreError, match="cannot rebuild index ix_bulk_probe_v") as info:
        restore_indexes(store)
    assert "deferred_indexes" in (info.value.hint or "")
    assert pending(store) == {"ix_bulk_probe_v"}, "the record stays until it is dealt with"


def test_estimate_rows(store: Store) -> None:
    # A table of its own: on PostgreSQL, CREATE INDEX in earlier (rolled-back) tests updates
    # the statistics of the shared tables in place, so their estimates are not exact here.
    with store.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE bulk_probe (id INTEGER PRIMARY KEY, v TEXT)")
        assert estimate_rows(conn, "bulk_probe") == 0
        rows = [{"id": i, "v": f"value {i}"} for i in range(1, 1001)]
        conn.execute(text("INSERT INTO bulk_probe (id, v) VALUES (:id, :v)"), rows)
        assert estimate_rows(conn, "bulk_probe") == 1000
        with pytest.raises(StoreError, match="no table"):
            estimate_rows(conn, "no_such_table")


@pytest.mark.postgresql
def test_postgresql_estimates_scale_statistics_and_sample_large_tables(
    postgresql_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill = "INSERT INTO {} SELECT g, repeat('x', 100) FROM generate_series(1, {}) AS g"
    with postgresql_store.read() as conn:  # fresh tables: no dead rows of earlier tests
        conn.exec_driver_sql("CREATE TABLE bulk_probe (id integer, pad text)")
        conn.exec_driver_sql(fill.format("bulk_probe", 2000))
        conn.exec_driver_sql("ANALYZE bulk_probe")
        conn.exec_driver_sql(fill.format("bulk_probe", 2000))  # grown since the last ANALYZE
        assert 3800 <= estimate_rows(conn, "bulk_probe") <= 4200
        conn.exec_driver_sql("CREATE TABLE bulk_probe2 (id integer, pad text)")
        conn.exec_driver_sql(fill.format("bulk_probe2", 20000))
        pages = conn.exec_driver_sql("SELECT pg_relation_size('bulk_probe2') / 8192").scalar()
        monkeypatch.setattr(pg_dialect, "COUNT_PAGES", 1)
        monkeypatch.setattr(pg_dialect, "SAMPLE_PAGES", pages // 2)
        assert 15000 <= estimate_rows(conn, "bulk_probe2") <= 25000  # never analysed: sampled


def test_nothing_is_deferred_before_the_migration(tmp_path) -> None:
    store = open_store(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    try:
        with store.read() as conn:
            assert deferred(conn) == []
        assert restore_indexes(store) == []
    finally:
        store.dispose()


def test_index_build_sorts_on_disk_and_puts_the_pragmas_back(sqlite_store: Store) -> None:
    def pragmas(conn: Connection) -> tuple[int, int, int]:
        found = tuple(
            conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("temp_store", "cache_size", "threads")
        )
        conn.rollback()
        return found  # type: ignore[return-value]

    # MEMORY, the configured cache, no sorter threads
    write_path = (2, -Settings().sqlite_cache_mb * 1024, 0)
    with sqlite_store.connect() as conn:
        assert pragmas(conn) == write_path
        with sqlite_store.dialect.index_build(conn):
            assert pragmas(conn) == (1, -4 * 1024, 2)  # FILE: the sorter spills to disk
        assert pragmas(conn) == write_path
        with conn.begin(), sqlite_store.dialect.index_build(conn):
            # Inside a transaction temp_store cannot change: left alone.
            assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2


def test_concurrent_restores_build_each_index_once(sqlite_store: Store) -> None:
    defer(sqlite_store, BC)
    defer(sqlite_store, "statements")
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def restore() -> None:
        try:
            results.append(restore_indexes(sqlite_store))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=restore) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results[0] + results[1]) == sorted(BC_INDEXES | ST_INDEXES)


KILLER = """
import os, signal, sys
from sqlalchemy import event
from pasienis.config import Settings
from pasienis.store import open_store, restore_indexes

store = open_store(Settings(database_url=sys.argv[1]))
built = []

@event.listens_for(store.engine, "after_cursor_execute")
def after(conn, cursor, statement, *args):
    if statement.startswith("CREATE INDEX"):
        built.append(statement)
        if len(built) == 2:  # the first index is committed, the second built, not committed
            os.kill(os.getpid(), signal.SIGKILL)

restore_indexes(store)
"""


def test_kill_9_in_the_middle_of_a_restore(sqlite_store: Store) -> None:
    before = snapshot(sqlite_store, BC)
    load_crossings(sqlite_store, 300)
    defer(sqlite_store, BC)
    url = str(sqlite_store.engine.url)
    sqlite_store.dispose()
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, url], capture_output=True, text=True, timeout=60
    )
    assert killed.returncode == -9, killed.stderr
    rest = sorted(BC_INDEXES)[1:]
    assert pending(sqlite_store) == set(rest), "the second index rolled back with its record"
    assert set(snapshot(sqlite_store, BC)) == set(before) - set(rest)
    assert set(restore_indexes(sqlite_store)) == set(rest)
    assert snapshot(sqlite_store, BC) == before


@pytest.mark.parametrize(
    ("ddl", "expected"),
    [
        ("CREATE INDEX ix_a ON t (x)", "CREATE INDEX IF NOT EXISTS ix_a ON t (x)"),
        ("create  index ix_a on t(x)", "CREATE INDEX IF NOT EXISTS ix_a on t(x)"),
        ("CREATE INDEX IF NOT EXISTS ix_a ON t (x)", "CREATE INDEX IF NOT EXISTS ix_a ON t (x)"),
        (
            "CREATE INDEX ix_g ON public.t USING gist (geog)",
            "CREATE INDEX IF NOT EXISTS ix_g ON public.t USING gist (geog)",
        ),
    ],
)
def test_if_not_exists(ddl: str, expected: str) -> None:
    assert if_not_exists(ddl) == expected
