"""Finding and erasing expired statements and events, in bounded batches.

An entity's statements in a dataset expire together, when the newest of them (``last_seen``:
when a source last confirmed it) is older than the cutoff — never half an entity. An event
expires by its own time (``occurred_at``). Each batch is deleted by id, derived tables are
told (:meth:`Erasers.notify`), and nothing outside the batch is held in memory.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Select, delete, func, select
from sqlalchemy.sql.elements import ColumnElement

from pasienis.model.events import EVENT_TABLES
from pasienis.model.models import resolver, statements
from pasienis.security.retention.registry import Erased, Erasers

BATCH = 5_000
#: Rows that belong to an event and go with it (a declaration's goods items).
CASCADE = {"declarations": ("goods_items", "declaration_id")}


def _expired_entities(dataset: str, cutoff: datetime) -> Select:
    return (
        select(statements.c.entity_id)
        .where(statements.c.dataset == dataset)
        .group_by(statements.c.entity_id)
        .having(func.max(statements.c.last_seen) < cutoff)
    )


def count_statements(conn: Connection, dataset: str, cutoff: datetime) -> dict[str, int]:
    """Expired entities of ``dataset`` and their statement rows."""
    entities = _expired_entities(dataset, cutoff).subquery()
    rows = conn.execute(
        select(func.count())
        .select_from(statements)
        .where(statements.c.dataset == dataset, statements.c.entity_id.in_(select(entities)))
    ).scalar()
    found = conn.execute(select(func.count()).select_from(entities)).scalar()
    return {"entities": int(found or 0), "statements": int(rows or 0)}


def erase_statements(
    conn: Connection, dataset: str, cutoff: datetime, erasers: Erasers
) -> dict[str, int]:
    """Delete the statements of ``dataset``'s expired entities; drop orphaned resolver rows."""
    total = {"entities": 0, "statements": 0}
    after = ""  # keyset over entity ids: one pass over the index whatever the batch count
    while True:
        page = (
            _expired_entities(dataset, cutoff)
            .where(statements.c.entity_id > after)
            .order_by(statements.c.entity_id)
            .limit(BATCH)
        )
        ids = tuple(conn.execute(page).scalars())
        if not ids:
            return total
        after = ids[-1]
        gone = conn.execute(
            delete(statements).where(
                statements.c.dataset == dataset, statements.c.entity_id.in_(ids)
            )
        ).rowcount
        still = select(statements.c.entity_id).where(statements.c.entity_id.in_(ids))
        conn.execute(
            delete(resolver).where(
                resolver.c.entity_id.in_(ids), resolver.c.entity_id.not_in(still)
            )
        )
        erasers.notify(conn, Erased("statements", ids, dataset))
        total["entities"] += len(ids)
        total["statements"] += int(gone)


def _event_filter(table: str, cutoff: datetime, dataset: str | None) -> ColumnElement[bool]:
    events = EVENT_TABLES[table]
    condition = events.c.occurred_at < cutoff
    return condition if dataset is None else condition & (events.c.dataset == dataset)


def count_events(
    conn: Connection, cutoff: datetime, *, dataset: str | None = None, tables: list[str]
) -> dict[str, int]:
    """Expired rows per event table (of one dataset, or of all)."""
    return {
        name: int(
            conn.execute(
                select(func.count())
                .select_from(EVENT_TABLES[name])
                .where(_event_filter(name, cutoff, dataset))
            ).scalar()
            or 0
        )
        for name in tables
    }


def erase_events(
    conn: Connection, table: str, cutoff: datetime, erasers: Erasers, *, dataset: str | None
) -> dict[str, int]:
    """Delete the expired rows of one event table (and what cascades from them)."""
    events = EVENT_TABLES[table]
    total: dict[str, int] = {table: 0}
    after = ""  # keyset over the primary key, as for statements
    while True:
        page = (
            select(events.c.id)
            .where(_event_filter(table, cutoff, dataset), events.c.id > after)
            .order_by(events.c.id)
            .limit(BATCH)
        )
        ids = tuple(conn.execute(page).scalars())
        if not ids:
            return total
        after = ids[-1]
        if table in CASCADE:
            child_name, key = CASCADE[table]
            child = EVENT_TABLES[child_name]
            child_ids = tuple(
                conn.execute(select(child.c.id).where(child.c[key].in_(ids))).scalars()
            )
            if child_ids:
                conn.execute(delete(child).where(child.c.id.in_(child_ids)))
                erasers.notify(conn, Erased(child_name, child_ids, dataset))
            total[child_name] = total.get(child_name, 0) + len(child_ids)
        conn.execute(delete(events).where(events.c.id.in_(ids)))
        erasers.notify(conn, Erased(table, ids, dataset))
        total[table] += len(ids)
