"""Deferred secondary indexes: drop them for a large import, rebuild them sorted afterwards.

Imports into SQLite spend most of their time keeping secondary B-tree indexes on random keys
up to date, row by row. Measured on 1M ``border_crossings`` rows (256 MiB cache): 42k rows/s
with every index kept; 117k rows/s with only the primary key, and 5 s to build the three
secondary indexes afterwards with one sorted ``CREATE INDEX`` each — 74k rows/s overall. So an
import that is at least as large as the table it writes to defers that table's plain indexes
(:func:`defer_indexes`), loads, then rebuilds them (:func:`restore_indexes`).

Primary keys and unique indexes are never dropped: imports are idempotent through
``ON CONFLICT`` on them. What was dropped is recorded, with its exact DDL from the catalog, in
``deferred_indexes`` in the same transaction as the drop, so a killed import leaves a record
that the resumed import, ``pasienis db restore-indexes`` or ``pasienis db upgrade`` finishes.
Reads stay correct meanwhile, only slower.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, String, Table, Text, inspect, select
from sqlalchemy.exc import DBAPIError

from pasienis.store.checkpoints import bulk_checkpoints
from pasienis.store.dialects import Dialect, dialect_for
from pasienis.store.engine import Store
from pasienis.store.errors import StoreError
from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

log = logging.getLogger(__name__)

#: ``progress(done, total, index_name)``: called before and after each index is rebuilt.
RestoreProgress = Callable[[int, int, str], None]

deferred_indexes = Table(
    "deferred_indexes",
    metadata,
    Column("index_name", String(128), primary_key=True),
    Column("table_name", String(128), nullable=False),
    Column("ddl", Text, nullable=False, comment="the CREATE INDEX statement from the catalog"),
    Column("owner", String(128), nullable=False, comment="who deferred it, e.g. an import run"),
    Column("deferred_at", UTCDateTime, nullable=False),
    comment="secondary indexes dropped for a bulk load, to be rebuilt",
)

_CREATE_INDEX = re.compile(r"^\s*CREATE\s+INDEX\s+(?!IF\s+NOT\s+EXISTS\b)", re.IGNORECASE)


def _dialect(conn: Connection) -> Dialect:
    return dialect_for(conn.dialect.name)


def if_not_exists(ddl: str) -> str:
    """``CREATE INDEX name …`` → ``CREATE INDEX IF NOT EXISTS name …`` (rerun-safe)."""
    return _CREATE_INDEX.sub("CREATE INDEX IF NOT EXISTS ", ddl, count=1)


def droppable_indexes(conn: Connection, table_name: str) -> list[tuple[str, str]]:
    """``(name, ddl)`` of the table's secondary indexes a bulk load may drop, by name.

    Not unique, not the primary key, not created by the engine itself (``sqlite_autoindex_*``)
    and backing no constraint; ``ddl`` is the exact ``CREATE INDEX`` text of the catalog.
    """
    return _dialect(conn).droppable_indexes(conn, table_name)


def estimate_rows(conn: Connection, table_name: str) -> int:
    """A cheap estimate of the rows in a table, to decide whether to defer its indexes.

    SQLite: ``max(rowid)``, O(log n) — exact for append-mostly tables, an overestimate by the
    rows deleted otherwise. PostgreSQL: the planner's ``reltuples`` scaled to the current
    size; a never-analysed table is counted when small and sampled when large.
    """
    return _dialect(conn).estimate_rows(conn, table_name)


def defer_indexes(
    conn: Connection, table_name: str, *, owner: str, keep: Iterable[str] = ()
) -> list[str]:
    """Record and drop the table's droppable indexes (except those named in ``keep``);
    return the names newly deferred.

    Runs in the caller's write transaction: the record and the drop commit together. An index
    that is already recorded is left alone (idempotent: a resumed import calls this again).
    On PostgreSQL ``DROP INDEX`` locks the table until commit, so defer in a short transaction
    of its own before loading.
    """
    recorded = set(conn.execute(select(deferred_indexes.c.index_name)).scalars())
    quote = conn.dialect.identifier_preparer.quote
    now = datetime.now(UTC)
    newly: list[str] = []
    kept = set(keep)
    for name, ddl in droppable_indexes(conn, table_name):
        if name in recorded or name in kept:
            continue
        conn.execute(
            deferred_indexes.insert().values(
                index_name=name, table_name=table_name, ddl=ddl, owner=owner, deferred_at=now
            )
        )
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
        newly.append(name)
    if newly:
        log.info("deferred %d index(es) of %s for %s: %s", len(newly), table_name, owner, newly)
    return newly


def deferred(
    conn: Connection,
    *,
    tables: Iterable[str] | None = None,
    owners: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """The deferred indexes (optionally of some tables/owners), by table and name.

    A database not yet migrated to the revision that made ``deferred_indexes`` has none.
    """
    if not inspect(conn).has_table(deferred_indexes.name):
        return []
    query = select(deferred_indexes).order_by(
        deferred_indexes.c.table_name, deferred_indexes.c.index_name
    )
    if tables is not None:
        query = query.where(deferred_indexes.c.table_name.in_(list(tables)))
    if owners is not None:
        query = query.where(deferred_indexes.c.owner.in_(list(owners)))
    return [dict(row._mapping) for row in conn.execute(query)]


def restore_indexes(
    store: Store,
    *,
    tables: Iterable[str] | None = None,
    owners: Iterable[str] | None = None,
    progress: RestoreProgress | None = None,
) -> list[str]:
    """Rebuild deferred indexes (all, or those of some tables/owners); return their names.

    Each index is built in its own write transaction that also deletes its record, so an
    interrupted restore leaves every index either built and forgotten or still recorded, and
    a rerun finishes the rest (the DDL runs as ``CREATE INDEX IF NOT EXISTS``). On SQLite the
    build sorts on disk (see ``Dialect.index_build``), so memory does not grow with the table.
    """
    with store.read() as conn:
        pending = [row["index_name"] for row in deferred(conn, tables=tables, owners=owners)]
    restored: list[str] = []
    if not pending:
        return restored
    # The WAL is copied from a thread while the builds sort: 1M crossings' six indexes 3.5 s
    # with their commits checkpointing inline, 2.8 s with the thread.
    with store.connect() as conn, store.dialect.index_build(conn), bulk_checkpoints(store, conn):
        for done, name in enumerate(pending):
            if progress is not None:
                progress(done, len(pending), name)
            with store.begin(conn) as tx:
                if _restore_one(tx, name):
                    restored.append(name)
            if progress is not None:
                progress(done + 1, len(pending), name)
    return restored


def _restore_one(conn: Connection, name: str) -> bool:
    """Build one recorded index and forget it; ``False`` when there was nothing to build."""
    row = conn.execute(
        select(deferred_indexes)
        .where(deferred_indexes.c.index_name == name)
        .with_for_update()  # a concurrent restore waits here, then finds the row gone
    ).first()
    if row is None:
        return False
    forget = deferred_indexes.delete().where(deferred_indexes.c.index_name == name)
    if not inspect(conn).has_table(row.table_name):
        log.warning("table %s of deferred index %s is gone; forgetting it", row.table_name, name)
        conn.execute(forget)
        return False
    try:
        conn.exec_driver_sql(if_not_exists(row.ddl))
    except DBAPIError as exc:
        raise StoreError(
            f"cannot rebuild index {name} on {row.table_name}: {exc.orig}",
            hint="the table changed since the index was deferred; create the index by hand "
            "and delete its row from deferred_indexes",
        ) from exc
    conn.execute(forget)
    return True
