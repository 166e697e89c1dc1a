"""SQLite: WAL, one writer (``BEGIN IMMEDIATE``), executemany bulk path, R*Tree spatial index."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import OperationalError

from pasienis.config import Settings
from pasienis.store.dialects.base import (
    BulkPlan,
    OnConflict,
    Row,
    column_converters,
    convert_batch,
    naive_utc_text,
)
from pasienis.store.dialects.sqlite_search import SQLiteSearch
from pasienis.store.dialects.sqlite_triggers import SQLiteTriggers
from pasienis.store.errors import StoreError
from pasienis.store.write_demand import ASK_EVERY_S, RETRY_S, ask_for_write

#: Pragmas while :meth:`SQLiteDialect.index_build` runs (the previous values come back after):
#: sort on disk, in runs of at most 4 MiB, with up to two sorter threads. Measured with 16 KiB
#: pages on 1M crossings + 500k statements (docs/benchmarks.md): 4 MiB runs beat 16 MiB ones
#: (3.6 s vs 4.4 s for six indexes), and two sorter threads take it to 3.2 s; threads cost
#: little memory only because the runs are small (with 64 MiB runs they doubled it).
INDEX_BUILD: dict[str, str | int] = {"temp_store": "FILE", "cache_size": -4 * 1024, "threads": 2}

#: Page cache, in KiB, while :meth:`SQLiteDialect.one_pass` runs.
ONE_PASS_CACHE_KIB = 4 * 1024

#: Rows per executemany call: large enough to amortise the call, small enough to bound memory.
BATCH = 20_000

#: The size the WAL file is cut back to when it restarts. Without it the file keeps the size
#: of the largest WAL it ever held (~256 MiB after an import, see
#: :func:`pasienis.store.checkpoints.bulk_checkpoints`) for as long as a connection stays open.
WAL_SIZE_LIMIT = 64 * 1024 * 1024

#: How long a writer waits for SQLite's write lock held by another process.
BUSY_TIMEOUT_MS = 30_000

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA temp_store=MEMORY",
    f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}",
)

#: Checkpoint at ~100 MiB of WAL rather than SQLite's 1,000 pages: bulk batches rewrite the
#: same random index pages, and fewer checkpoints copy each page fewer times (1M crossings +
#: 500k statements in 50k batches: 12.0 s → 10.7 s; the WAL stays bounded).
CHECKPOINT_BYTES = 100 * 1024 * 1024


def _literal(value: Any) -> str:
    """An SQL literal for a value of a bulk insert's statement itself (``executemany`` binds
    parameters per row only)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"no SQL literal for {value!r}")
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


_GATES: dict[str, threading.RLock] = {}
_GATES_LOCK = threading.Lock()


def write_gate(database: str | None) -> threading.RLock | None:
    """The process's write lock for one database file (the same for every store on it).

    SQLite's busy handler is not a queue: a writer that finds the write lock taken sleeps 1,
    2, 5, 10, 15, 20, 25 … then 100 ms between tries, and whoever tries at the right moment
    wins. Under steady writes from several threads (task POSTs, their audit entries, device
    acks) a writer that has waited long sleeps longest and can lose again and again:
    ``BEGIN IMMEDIATE`` of ``POST /api/tasks`` waited up to 990 ms while no transaction held
    the lock for more than ~110 ms (docs/benchmarks.md, issue 19). Taking this lock first,
    the process's writers block on it and one is woken at each release, so they wait only
    for the writers before them. Re-entrant, as nesting was before: a thread that writes on
    a second connection inside its own write transaction gets SQLite's busy error, not a
    deadlock. Other processes (ingest, the CLI) still meet the busy handler.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    key = os.path.realpath(database)
    with _GATES_LOCK:
        return _GATES.setdefault(key, threading.RLock())


#: How long a writer waits for the gate: as long as it waited for SQLite's own lock before
#: the gate existed (``busy_timeout`` in :data:`PRAGMAS`).
GATE_TIMEOUT_S = 30.0


@contextmanager
def held(gate: threading.RLock | None) -> Iterator[None]:
    """Hold ``gate`` while the block runs; after :data:`GATE_TIMEOUT_S` of waiting, the
    error SQLite gives a writer that waited that long for its lock.

    Bounded so that a thread waiting on a writer of its own (a write transaction that starts
    a writing thread and joins it) fails with "database is locked" as before the gate, and
    never hangs the process.
    """
    if gate is None:
        yield
        return
    if not gate.acquire(timeout=GATE_TIMEOUT_S):
        raise OperationalError(
            "BEGIN IMMEDIATE",
            None,
            sqlite3.OperationalError(
                f"database is locked: another writer of this process held the write gate "
                f"for {GATE_TIMEOUT_S:g} s"
            ),
        )
    try:
        yield
    finally:
        gate.release()


def _begin_immediate_asking(conn: Connection, database: str) -> None:
    """``BEGIN IMMEDIATE``; while another process holds the write lock, ask it to commit
    and try again (:mod:`pasienis.store.write_demand`), as long as the connection's busy
    timeout. A connection set never to wait (``busy_timeout=0``: the position writer on the
    event loop) gets SQLite's busy error at once, as before."""
    raw = conn.connection.driver_connection
    patience = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])  # type: ignore[union-attr]
    if patience <= 0:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    if _began_at_once(raw, patience):
        return
    deadline = time.monotonic() + patience / 1000
    asked = -ASK_EVERY_S
    while (started := time.monotonic()) < deadline:
        if started - asked >= ASK_EVERY_S:
            ask_for_write(database)
            asked = started
        time.sleep(RETRY_S)
        if _began_at_once(raw, patience):
            return
    raw.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
    try:  # SQLite's "database is locked", as after its own busy timeout
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout={patience}")  # type: ignore[union-attr]


def _began_at_once(raw: Any, patience: int) -> bool:
    """``BEGIN IMMEDIATE`` without waiting; False when another process holds the write lock
    (SQLITE_BUSY and its extended codes). The busy timeout is ``patience`` again after."""
    raw.execute("PRAGMA busy_timeout=0")
    try:
        raw.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
            raise
        return False
    finally:
        try:
            raw.execute(f"PRAGMA busy_timeout={patience}")
        except BaseException:
            if raw.in_transaction:  # never leave a transaction SQLAlchemy does not know of
                raw.rollback()
            raise
    return True


class SQLiteDialect(SQLiteSearch, SQLiteTriggers):
    """The embedded engine."""

    name = "sqlite"

    def configure(self, engine: Engine, *, settings: Settings) -> None:
        """Turn off pysqlite's own transaction handling and begin explicitly.

        Writers ask for ``BEGIN IMMEDIATE`` (execution option ``sqlite_begin``) so that two
        writers queue on the busy timeout instead of failing half-way with "database is locked".
        """

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # Takes effect only while the file is empty (before WAL and the first table).
            cursor.execute(f"PRAGMA page_size={int(settings.sqlite_page_size)}")
            for pragma in PRAGMAS:
                cursor.execute(pragma)
            page_size = cursor.execute("PRAGMA page_size").fetchone()[0]
            cursor.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_BYTES // page_size}")
            cursor.execute(f"PRAGMA cache_size=-{int(settings.sqlite_cache_mb) * 1024}")
            cursor.close()

        database = engine.url.database
        asks = write_gate(database) is not None  # a file other processes can write too

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            if mode == "IMMEDIATE" and asks:
                _begin_immediate_asking(conn, str(database))
            else:
                conn.exec_driver_sql(f"BEGIN {mode}")

    def check_features(self, conn: Connection) -> list[str]:
        missing = []
        options = {row[0] for row in conn.exec_driver_sql("PRAGMA compile_options")}
        probes = {
            "FTS5": "CREATE VIRTUAL TABLE temp._probe_fts USING fts5(x)",
            "RTREE": "CREATE VIRTUAL TABLE temp._probe_rtree USING rtree(id, a, b)",
        }
        for feature, ddl in probes.items():
            try:
                conn.exec_driver_sql(ddl)
                conn.exec_driver_sql(f"DROP TABLE temp.{ddl.split('temp.')[1].split()[0]}")
            except Exception:
                missing.append(feature)
        try:
            conn.exec_driver_sql("SELECT json('[1]')")
        except Exception:
            missing.append("JSON1")
        del options
        return missing

    def bulk_insert(
        self,
        conn: Connection,
        plan: BulkPlan,
        rows: Iterable[Row],
        *,
        on_conflict: OnConflict,
        converted: bool = False,
    ) -> int:
        sql = self._insert_sql(plan, on_conflict)
        converters = [] if converted else column_converters(plan, datetime_as_text=True)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        sent = 0
        it = iter(rows)
        try:
            while batch := list(islice(it, BATCH)):
                cursor.executemany(sql, convert_batch(batch, converters))
                sent += len(batch)
        finally:
            cursor.close()
        return sent

    @staticmethod
    def bind_datetime(value: datetime) -> Any:
        return naive_utc_text(value)

    @staticmethod
    def _insert_sql(plan: BulkPlan, on_conflict: OnConflict) -> str:
        cols = ", ".join(plan.columns)
        marks = ", ".join("?" for _ in plan.columns)
        key = ", ".join(plan.key)
        sql = f"INSERT INTO {plan.table.name} ({cols}) VALUES ({marks}) ON CONFLICT ({key}) DO "
        if on_conflict is OnConflict.TOUCH:
            sets = [f"{c} = max({c}, excluded.{c})" for c in plan.touch]
            # SQLite's max() is NULL when an argument is (PostgreSQL's GREATEST skips NULLs).
            sets += [
                f"{c} = max(coalesce({c}, {_literal(v)}), {_literal(v)})" for c, v in plan.restamp
            ]
            return sql + f"UPDATE SET {', '.join(sets)}"
        return sql + "NOTHING"

    def spatial_ddl(self, table: str) -> list[str]:
        """A (lat, lon) B-tree rather than an R*Tree for event points.

        Measured on 300k plate reads: an R*Tree kept by trigger loads at ~20k rows/s, filled in
        bulk ~37k rows/s, a (lat, lon) index ~60k rows/s; bounding-box queries on points
        stay index range scans with the longitude checked inside the index.
        """
        return [f"CREATE INDEX IF NOT EXISTS ix_{table}_lat_lon ON {table} (lat, lon)"]

    def drop_spatial_ddl(self, table: str) -> list[str]:
        return [f"DROP INDEX IF EXISTS ix_{table}_lat_lon"]

    def bbox_ids_sql(self, table: str) -> str:
        return (
            f"SELECT id FROM {table} WHERE lat BETWEEN :south AND :north "
            "AND lon BETWEEN :west AND :east"
        )

    def droppable_indexes(self, conn: Connection, table: str) -> list[tuple[str, str]]:
        """Indexes made by ``CREATE INDEX`` (origin ``c``) that are not unique.

        Primary keys and ``UNIQUE`` constraints show up with origin ``pk``/``u`` and no SQL
        (``sqlite_autoindex_*``); a ``CREATE UNIQUE INDEX`` has ``unique = 1``.
        """
        rows = conn.execute(
            text(
                "SELECT il.name, m.sql FROM pragma_index_list(:table) AS il "
                "JOIN sqlite_master AS m ON m.type = 'index' AND m.name = il.name "
                "WHERE il.\"unique\" = 0 AND il.origin = 'c' AND m.sql IS NOT NULL "
                "AND il.name NOT GLOB 'sqlite_autoindex_*' ORDER BY il.name"
            ),
            {"table": table},
        )
        return [(name, sql) for name, sql in rows]

    @contextmanager
    def index_build(self, conn: Connection) -> Iterator[None]:
        """Let ``CREATE INDEX`` sort on disk in small runs: :data:`INDEX_BUILD`.

        With ``temp_store=MEMORY`` (set per connection for the write path) SQLite's sorter never
        spills, so building an index holds every key of the table in memory. With ``FILE`` it
        sorts runs no larger than the page cache and merges them from temporary files (in
        ``SQLITE_TMPDIR``, else ``/var/tmp`` or ``/tmp``): memory stays flat whatever the
        table size. The build needs few pages (a table scan, an append-only B-tree) and a
        small cache measured faster too: on 4M ``border_crossings`` rows (4 KiB pages), 11.8 s
        and 33 MiB with a 16 MiB cache; 22.5 s and 571 MiB (growing with the table) with the
        write path's settings. ``temp_store`` cannot change inside a transaction, so a
        pinned test connection is left as it is.
        """
        if conn.in_transaction():
            yield
            return
        raw = conn.connection.driver_connection
        assert raw is not None
        before = {name: raw.execute(f"PRAGMA {name}").fetchone()[0] for name in INDEX_BUILD}
        for name, value in INDEX_BUILD.items():
            raw.execute(f"PRAGMA {name}={value}")
        try:
            yield
        finally:
            for name, value in before.items():
                raw.execute(f"PRAGMA {name}={value}")

    @contextmanager
    def one_pass(self, conn: Connection) -> Iterator[None]:
        """A small page cache (:data:`ONE_PASS_CACHE_KIB`) for a query that reads many pages
        once. Every connection keeps ``sqlite_cache_mb`` (256 MiB) for the write path's
        random index pages, and a query that visits most of a large table fills it with
        pages it never reads again: counting an import's entities over 500,000 statements
        grew the importing process by 150 MB. ``cache_size`` may change inside a
        transaction; pages beyond the new bound are released."""
        raw = conn.connection.driver_connection
        assert raw is not None
        before = raw.execute("PRAGMA cache_size").fetchone()[0]
        raw.execute(f"PRAGMA cache_size=-{ONE_PASS_CACHE_KIB}")
        try:
            yield
        finally:
            raw.execute(f"PRAGMA cache_size={int(before)}")

    def write_gate(self, database: str | None) -> threading.RLock | None:
        return write_gate(database)

    def transaction_lock(self, conn: Connection, name: str) -> None:
        """Nothing: write transactions are ``BEGIN IMMEDIATE``, so one writer holds the
        database from its first statement to its commit and commits are in order already."""

    def estimate_rows(self, conn: Connection, table: str) -> int:
        """``max(rowid)``: one descent of the table's B-tree, O(log n).

        Exact for append-only tables (rowids are handed out as max + 1); after deletes it
        overestimates by the rows deleted. A ``WITHOUT ROWID`` table is counted instead.
        """
        sql = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :table"),
            {"table": table},
        ).scalar()
        if sql is None:
            raise StoreError(f"no table {table!r}")
        quoted = conn.dialect.identifier_preparer.quote(table)
        if "WITHOUT ROWID" in sql.upper():
            return int(conn.exec_driver_sql(f"SELECT count(*) FROM {quoted}").scalar() or 0)
        return int(conn.exec_driver_sql(f"SELECT max(rowid) FROM {quoted}").scalar() or 0)


DIALECT = SQLiteDialect()

__all__ = ["DIALECT", "SQLiteDialect", "text"]
