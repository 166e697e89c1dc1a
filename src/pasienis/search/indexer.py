"""Build and keep the search index from statements: rows, keys and the full-text side.

Why derived: statements are the truth; the index is rebuilt from them at will
(``pasienis search reindex``) and kept current after every import by :func:`catch_up`, which
follows ``import.completed`` on the bus with a cursor stored in the same transaction as the
index writes (a crash re-indexes the run, never skips it).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby

from sqlalchemy import Connection, delete, func, select, update

from pasienis.jobs import events_since
from pasienis.model import live
from pasienis.model.models import statements
from pasienis.model.names import ascii_name, token_keys
from pasienis.search.keys import value_keys
from pasienis.search.models import search_entities, search_keys, search_state
from pasienis.store import OnConflict, Store

#: Property types left out of the index: references to other entities and raw ids.
SKIPPED_TYPES = frozenset({"entity", "id", "json"})
#: Caption candidates after names, in order.
CAPTION_PROPS = ("registrationNumber", "title", "number", "fileName", "summary")
BODY_LIMIT = 8000
_NEXT_ID = "next_row_id"
_CURSOR = "bus_cursor"
_FOLD_SPACE = re.compile(r"\s+")

#: ``(schema, prop, prop_type, value)`` of one statement.
Fact = tuple[str, str, str, str]


@dataclass(slots=True)
class IndexRow:
    """One (entity, dataset) row of the index and its keys."""

    entity_id: str
    dataset: str
    schema: str
    caption: str
    names: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)
    dates: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)


def body_line(prop: str, prop_type: str, value: str) -> str:
    """How a non-name value is kept in ``body``: ``prop<TAB>type<TAB>value`` (for snippets and
    for re-deriving which value a query matched)."""
    return f"{prop}\t{prop_type}\t{value}"


def parse_body_line(line: str) -> tuple[str, str, str]:
    prop, _, rest = line.partition("\t")
    prop_type, _, value = rest.partition("\t")
    return prop, prop_type, value


def build_row(entity_id: str, dataset: str, facts: Iterable[Fact]) -> IndexRow:
    """Fold one entity's statements of one dataset into an index row (the one definition)."""
    schemas: Counter[str] = Counter()
    row = IndexRow(entity_id=entity_id, dataset=dataset, schema="Thing", caption=entity_id)
    seen: set[tuple[str, str]] = set()
    for schema, prop, prop_type, value in facts:
        schemas[schema] += 1
        if prop_type in SKIPPED_TYPES or (prop, value) in seen or not value:
            continue
        seen.add((prop, value))
        row.keys |= value_keys(prop, prop_type, value)
        if prop_type == "name":
            row.names.append(value)
        else:
            row.body.append(body_line(prop, prop_type, value))
        if prop_type == "country":
            row.countries.add(value.lower())
        elif prop_type == "date":
            row.dates.append(value[:10])
    if schemas:
        row.schema = schemas.most_common(1)[0][0]
    row.caption = _caption(row)
    return row


def _caption(row: IndexRow) -> str:
    if row.names:
        return row.names[0]
    by_prop = {parse_body_line(b)[0]: parse_body_line(b)[2] for b in reversed(row.body)}
    for prop in CAPTION_PROPS:
        if prop in by_prop:
            return by_prop[prop]
    return row.entity_id


def _record(row: IndexRow, row_id: int, now: datetime) -> tuple:
    body = "\n".join(row.body)[:BODY_LIMIT]
    names = "\n".join(row.names)
    names_folded = _FOLD_SPACE.sub(" ", ascii_name(names)).strip()
    values = " ".join(parse_body_line(b)[2] for b in row.body)
    folded = _FOLD_SPACE.sub(" ", f"{names_folded} {ascii_name(values)}").strip()[:BODY_LIMIT]
    countries = f" {' '.join(sorted(row.countries))} " if row.countries else " "
    dates = sorted(d for d in row.dates if len(d) >= 4)
    name_keys = "\n".join(" ".join(token_keys(n)) for n in row.names)
    return (
        row_id, row.entity_id, row.dataset, row.schema, row.caption[:500], names, body,
        names_folded, name_keys, folded, countries[:256], dates[0] if dates else None,
        dates[-1] if dates else None, now,
    )  # fmt: skip


ENTITY_COLUMNS = (
    "id", "entity_id", "dataset", "schema", "caption", "names", "body", "names_folded",
    "name_keys", "folded", "countries", "date_min", "date_max", "updated_at",
)  # fmt: skip


def _allocate(conn: Connection, count: int) -> int:
    """Reserve ``count`` row ids; the state row's lock orders concurrent writers."""
    now = datetime.now(UTC)
    updated = conn.execute(
        update(search_state)
        .where(search_state.c.name == _NEXT_ID)
        .values(value=search_state.c.value + count, updated_at=now)
    )
    if updated.rowcount == 0:
        start = int(conn.execute(select(func.coalesce(func.max(search_entities.c.id), 0))).scalar())
        conn.execute(
            search_state.insert().values(name=_NEXT_ID, value=start + 1 + count, updated_at=now)
        )
        return start + 1
    value = conn.execute(select(search_state.c.value).where(search_state.c.name == _NEXT_ID))
    return int(value.scalar_one()) - count


def write_rows(
    store: Store, conn: Connection, rows: Sequence[IndexRow], *, replace: bool = True
) -> int:
    """Replace the index rows of these entities; returns rows written.

    ``replace=False`` is for loading entities known to be absent (a rebuild, a benchmark):
    it skips looking for old rows to delete.
    """
    if replace:
        delete_entities(store, conn, sorted({r.entity_id for r in rows}))
    if not rows:
        return 0
    first = _allocate(conn, len(rows))
    now = datetime.now(UTC)
    records = [_record(row, first + i, now) for i, row in enumerate(rows)]
    store.bulk_insert(conn, search_entities, ENTITY_COLUMNS, records)
    keys = ((k, first + i, row.dataset) for i, row in enumerate(rows) for k in row.keys)
    store.bulk_insert(
        conn, search_keys, ("key", "row_id", "dataset"), keys, on_conflict=OnConflict.IGNORE
    )
    store.dialect.fts_replace(conn, [(r[0], r[9]) for r in records])  # type: ignore[attr-defined]
    return len(rows)


def delete_entities(store: Store, conn: Connection, entity_ids: Sequence[str]) -> int:
    """Remove entities from the index (the retention eraser calls this too)."""
    removed = 0
    for start in range(0, len(entity_ids), 500):
        chunk = list(entity_ids[start : start + 500])
        ids = list(
            conn.execute(
                select(search_entities.c.id).where(search_entities.c.entity_id.in_(chunk))
            ).scalars()
        )
        removed += _delete_row_ids(store, conn, ids)
    return removed


def purge_dataset(store: Store, conn: Connection, dataset: str) -> int:
    """Remove every index row of a dataset (its statements were erased or it was withdrawn)."""
    ids = list(
        conn.execute(
            select(search_entities.c.id).where(search_entities.c.dataset == dataset)
        ).scalars()
    )
    return _delete_row_ids(store, conn, ids)


def _delete_row_ids(store: Store, conn: Connection, ids: list[int]) -> int:
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        store.dialect.fts_delete(conn, chunk)  # type: ignore[attr-defined]
        conn.execute(delete(search_keys).where(search_keys.c.row_id.in_(chunk)))
        conn.execute(delete(search_entities).where(search_entities.c.id.in_(chunk)))
    return len(ids)


def _facts_rows(rows: Iterable) -> Iterator[IndexRow]:
    """Index rows from statement rows sorted by (entity_id, dataset)."""
    for (entity_id, dataset), group in groupby(rows, key=lambda r: (r[0], r[1])):
        yield build_row(entity_id, dataset, ((r[2], r[3], r[4], r[5]) for r in group))


_FACT_COLUMNS = (
    statements.c.entity_id, statements.c.dataset, statements.c.schema, statements.c.prop,
    statements.c.prop_type, statements.c.value,
)  # fmt: skip


def index_entities(store: Store, conn: Connection, entity_ids: Iterable[str]) -> int:
    """(Re)index these entities from their live statements, in the caller's transaction (a
    retracted import's values are not found; an entity it alone stated leaves the index)."""
    ids = sorted(set(entity_ids))
    written = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = (
            select(*_FACT_COLUMNS)
            .where(statements.c.entity_id.in_(chunk), live(statements))
            .order_by(statements.c.entity_id, statements.c.dataset)
        )
        rows = list(_facts_rows(conn.execute(query)))
        written += write_rows(store, conn, rows)
        delete_entities(store, conn, sorted(set(chunk) - {r.entity_id for r in rows}))
    return written


def reindex(
    store: Store, *, batch: int = 5000, progress: Callable[[int], None] | None = None
) -> int:
    """Rebuild the whole index from statements, ``batch`` entities per transaction."""
    with store.begin() as conn:
        ids = list(conn.execute(select(search_entities.c.id)).scalars())
        _delete_row_ids(store, conn, ids)
    with store.read() as conn:
        entity_ids = list(conn.execute(select(statements.c.entity_id).distinct()).scalars())
    done = 0
    for start in range(0, len(entity_ids), batch):
        with store.begin() as conn:
            done += index_entities(store, conn, entity_ids[start : start + batch])
        if progress:
            progress(done)
    return done


def _cursor(conn: Connection) -> int:
    value = conn.execute(select(search_state.c.value).where(search_state.c.name == _CURSOR))
    return int(value.scalar() or 0)


def _set_cursor(conn: Connection, cursor: int) -> None:
    now = datetime.now(UTC)
    done = conn.execute(
        update(search_state)
        .where(search_state.c.name == _CURSOR)
        .values(value=cursor, updated_at=now)
    )
    if done.rowcount == 0:
        conn.execute(search_state.insert().values(name=_CURSOR, value=cursor, updated_at=now))


#: What changes the entities of an import run: its end, its retraction, its restoring.
RUN_TOPICS = ["import.completed", "import.retracted", "import.restored"]


def catch_up(store: Store, *, limit: int = 100) -> int:
    """Index the entities of every import completed, retracted or restored since the last
    call; returns runs done.

    The cursor moves in the transaction that writes the run's rows, so an interrupted catch-up
    redoes that run (writes are replacements: idempotent) and never skips one.
    """
    done = 0
    while True:
        with store.begin() as conn:
            events = events_since(conn, cursor=_cursor(conn), topics=RUN_TOPICS, limit=1)
            if not events:
                return done
            event = events[0]
            run_id = event.payload.get("id")
            if run_id:
                ids = conn.execute(
                    select(statements.c.entity_id).where(statements.c.run_id == run_id).distinct()
                ).scalars()
                index_entities(store, conn, list(ids))
            _set_cursor(conn, event.id)
        done += 1
        if done >= limit:
            return done
