"""Writing statements and reading entities back as the fold of their statements."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Table, and_, or_, select, tuple_

from pasienis.errors import NotFoundError
from pasienis.model.models import STATEMENT_COLUMNS, resolver, retracted_runs, statements
from pasienis.store import OnConflict, Store

if TYPE_CHECKING:
    from followthemoney.statement import Statement, StatementEntity


def write_statements(
    store: Store, conn: Connection, rows: Iterable[Sequence[Any]], *, converted: bool = False
) -> int:
    """Bulk-write statement rows; a statement seen again only raises its ``last_seen``.

    ``converted``: the rows' times are already ``store.bind_datetime`` values."""
    return store.bulk_insert(
        conn, statements, STATEMENT_COLUMNS, rows, on_conflict=OnConflict.TOUCH,
        converted=converted,
    )  # fmt: skip


def live(table: Table) -> ColumnElement[bool]:
    """Rows of ``table`` (statements or an event table) not from a retracted import run:
    the condition every read of the live view adds.

    A row keeps the run that first wrote it. A statement or event a later run stated again
    has that run's time as its ``last_seen`` (an import stamps its start on what it writes),
    so it stays live while that later run is: retracting a test import after the real one
    hides only what the real one did not say. (A run in between is not known: a row first
    and last stated by retracted runs is hidden even if a third, live run said it too.)"""
    retracted = select(retracted_runs.c.run_id)
    first_run_live = or_(table.c.run_id.is_(None), table.c.run_id.not_in(retracted))
    if "last_seen" not in table.c:
        return first_run_live
    stamps_of_retracted = select(retracted_runs.c.dataset, retracted_runs.c.run_seen_at).where(
        retracted_runs.c.run_seen_at.is_not(None)
    )
    # Stated after its first run: a statement's first_seen is that run's stamp; an event's
    # last_seen is set only when a run states it again.
    restated = (
        table.c.last_seen > table.c.first_seen
        if "first_seen" in table.c
        else table.c.last_seen.is_not(None)
    )
    restated_by_a_live_run = and_(
        restated, tuple_(table.c.dataset, table.c.last_seen).not_in(stamps_of_retracted)
    )
    return or_(first_run_live, restated_by_a_live_run)


def canonical_id(conn: Connection, entity_id: str) -> str:
    """The canonical id an entity id resolves to (itself when never merged)."""
    found = conn.execute(
        select(resolver.c.canonical_id).where(resolver.c.entity_id == entity_id)
    ).scalar()
    return found or entity_id


_CHUNK = 5_000


def canonical_ids(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """entity id -> canonical id for many ids at once (an id never merged maps to itself)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = select(resolver.c.entity_id, resolver.c.canonical_id).where(
            resolver.c.entity_id.in_(chunk)
        )
        found.update({r.entity_id: r.canonical_id for r in conn.execute(query)})
    return {i: found.get(i, i) for i in wanted}


def members_of_canonicals(conn: Connection, canonicals: Iterable[str]) -> dict[str, set[str]]:
    """canonical id -> every source entity id folded into it (itself included)."""
    wanted = sorted(set(canonicals))
    out: dict[str, set[str]] = {c: {c} for c in wanted}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = select(resolver.c.entity_id, resolver.c.canonical_id).where(
            resolver.c.canonical_id.in_(chunk)
        )
        for entity_id, canonical in conn.execute(query):
            out[canonical].add(entity_id)
    return out


def entity_ids_of_schema(conn: Connection, schema: str) -> list[str]:
    """Ids of the entities declared with ``schema`` (from their ``id`` statements).

    The ``id`` statement has prop type ``id``, so the (prop_type, value) index narrows the scan.
    """
    query = (
        select(statements.c.entity_id)
        .where(statements.c.prop_type == "id", statements.c.schema == schema, live(statements))
        .distinct()
    )
    return list(conn.execute(query).scalars())


def member_ids(conn: Connection, canonical: str) -> list[str]:
    """All source entity ids folded into a canonical id, the canonical id itself first."""
    rows = conn.execute(
        select(resolver.c.entity_id).where(resolver.c.canonical_id == canonical)
    ).scalars()
    return [canonical, *sorted(set(rows) - {canonical})]


def entity_statement_rows(
    conn: Connection, entity_id: str, *, datasets: Iterable[str] | None = None
) -> tuple[str, list[Any]]:
    """The canonical id of ``entity_id`` and the statement rows of every member.

    ``datasets`` limits the facts to those a caller may see (compartments): a merged entity
    shows each user only statements from sources they are allowed.
    """
    canonical = canonical_id(conn, entity_id)
    ids = member_ids(conn, canonical)
    query = select(statements).where(statements.c.entity_id.in_(ids), live(statements))
    if datasets is not None:
        allowed = list(datasets)
        query = query.where(statements.c.dataset.in_(allowed))
    # Sources of one value in a stable order (oldest first, then by dataset and locator), so a
    # profile lists them the same way on every read and after every re-import.
    order = (statements.c.prop, statements.c.value, statements.c.first_seen,
             statements.c.dataset, statements.c.locator, statements.c.id)  # fmt: skip
    rows = list(conn.execute(query.order_by(*order)))
    return canonical, rows


def to_ftm_statement(row: Any, canonical: str) -> Statement:
    """Convert a stored statement row to FollowTheMoney's ``Statement`` (locator → origin)."""
    from followthemoney.statement import Statement

    return Statement(
        id=row.id,
        entity_id=row.entity_id,
        canonical_id=canonical,
        prop=row.prop,
        schema=row.schema,
        value=row.value,
        dataset=row.dataset,
        lang=row.lang,
        original_value=row.original_value,
        first_seen=_iso(row.first_seen),
        last_seen=_iso(row.last_seen),
        origin=row.locator,
    )


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def load_entity(
    conn: Connection, entity_id: str, *, datasets: Iterable[str] | None = None
) -> StatementEntity:
    """Assemble an entity from its statements (following the resolver to its canonical id)."""
    from followthemoney.dataset import Dataset
    from followthemoney.statement import StatementEntity

    canonical, rows = entity_statement_rows(conn, entity_id, datasets=datasets)
    if not rows:
        raise NotFoundError(f"no entity {entity_id!r}")
    stmts = [to_ftm_statement(r, canonical) for r in rows]
    dataset = Dataset.make({"name": "pasienis", "title": "pasienis"})
    entity = StatementEntity.from_statements(dataset, stmts)
    entity.id = canonical
    return entity
