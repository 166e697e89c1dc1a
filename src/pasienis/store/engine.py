"""The :class:`Store`: one engine, its :class:`Dialect`, transactions and the bulk path."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from pasienis.config import Settings
from pasienis.store.dialects import Dialect, OnConflict, dialect_for
from pasienis.store.dialects.base import BulkPlan, Row
from pasienis.store.dialects.sqlite import held
from pasienis.store.errors import StoreError
from pasienis.store.write_demand import WriteDemand


@dataclass
class Store:
    """Runs SQL and bulk loads against one database.

    ``pinned`` is for tests: every transaction becomes a savepoint inside one outer
    transaction that the test rolls back, so PostgreSQL tests leave nothing behind.
    """

    engine: Engine
    dialect: Dialect
    pinned: Connection | None = field(default=None, repr=False)
    #: What the store was opened with, so another process can open the same store.
    settings: Settings | None = field(default=None, repr=False)
    #: Taken by every write transaction of this process before the engine's own lock
    #: (SQLite: :func:`pasienis.store.dialects.sqlite.write_gate` says why); ``None`` on
    #: PostgreSQL.
    write_gate: threading.RLock | None = field(default=None, repr=False)
    #: Serialises use of ``pinned`` across threads: a test's app thread (TestClient, a
    #: WebSocket feed) and the test itself would otherwise interleave savepoints on the one
    #: connection ("savepoint … does not exist").
    _pin_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def engine_name(self) -> str:
        return self.dialect.name

    @contextmanager
    def begin(self, conn: Connection | None = None) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite: one writer at a time).

        ``conn`` (from :meth:`connect`) runs it on a connection the caller holds; by default
        each transaction takes a connection from the pool.
        """
        if self.pinned is not None:
            with self._pin_lock, self.pinned.begin_nested():
                yield self.pinned
            return
        # The gate before a pooled connection: a writer waiting its turn holds none.
        if conn is not None:
            with held(self.write_gate), conn.begin():
                yield conn
            return
        with held(self.write_gate), self.connect() as own, own.begin():
            yield own

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """One connection for several write transactions (``store.begin(conn)``).

        For work that sets connection state outside any transaction first (SQLite pragmas
        that cannot change inside one). Pinned in tests: the pinned connection.
        """
        if self.pinned is not None:
            with self._pin_lock:
                yield self.pinned
            return
        with self.engine.connect() as conn:
            yield conn.execution_options(sqlite_begin="IMMEDIATE")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction; concurrent with the writer on SQLite WAL."""
        if self.pinned is not None:
            with self._pin_lock:
                yield self.pinned
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def bulk_insert(
        self,
        conn: Connection,
        table: Table,
        columns: Iterable[str],
        rows: Iterable[Row],
        *,
        on_conflict: OnConflict = OnConflict.IGNORE,
        touch: tuple[str, ...] = ("last_seen",),
        restamp: Mapping[str, datetime] | None = None,
        converted: bool = False,
    ) -> int:
        """Write many rows through the engine's fast path (executemany / COPY).

        Rows are tuples in ``columns`` order; a row whose primary key exists is ignored or,
        with :attr:`OnConflict.TOUCH`, has its ``touch`` columns raised to the newer value.
        ``restamp`` (with TOUCH): columns a stored row is raised to one time (an import run's
        stamp on what it stated again); new rows leave them NULL.
        ``converted``: times are already what :meth:`bind_datetime` makes and JSON is text.
        """
        bound = tuple((c, self.bind_datetime(v)) for c, v in (restamp or {}).items())
        plan = BulkPlan(table=table, columns=tuple(columns), touch=touch, restamp=bound)
        return self.dialect.bulk_insert(
            conn, plan, rows, on_conflict=on_conflict, converted=converted
        )

    def write_demand(self) -> WriteDemand | None:
        """For a bulk writer holding long transactions: whether other processes' writers
        wait for the write lock (an SQLite file; None where writers do not share one lock)."""
        if self.write_gate is None or not self.engine.url.database:
            return None
        return WriteDemand(self.engine.url.database)

    def bind_datetime(self, value: datetime) -> Any:
        """An aware datetime as :meth:`bulk_insert` binds it on this engine."""
        return self.dialect.bind_datetime(value)

    def check(self) -> None:
        """Fail early when the engine lacks a feature pasienis relies on."""
        with self.read() as conn:
            missing = self.dialect.check_features(conn)
        if missing:
            raise StoreError(
                f"the {self.dialect.name} engine lacks: {', '.join(missing)}",
                hint="install an SQLite with FTS5/R*Tree/JSON1, or PostGIS and pg_trgm",
            )

    def ping(self) -> bool:
        with self.read() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(settings: Settings) -> Store:
    """Create the engine for ``settings`` (making the data directory for SQLite)."""
    url_text = settings.resolved_database_url()
    try:
        url = make_url(url_text)
    except ArgumentError as exc:
        raise StoreError(
            f"cannot parse PASIENIS_DATABASE_URL {url_text!r}",
            hint="e.g. sqlite:///data/pasienis.db or postgresql+psycopg://user@host/db",
        ) from exc
    dialect = dialect_for(url.get_backend_name())
    if dialect.name == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=dialect.name != "sqlite")
    dialect.configure(engine, settings=settings)
    return Store(
        engine=engine,
        dialect=dialect,
        settings=settings,
        write_gate=dialect.write_gate(url.database),
    )
