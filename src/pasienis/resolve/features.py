"""Entity features read from statements: one row per entity, the columns Splink compares.

An entity is the fold of its statements, so its features are too: for each feature the first
property (in :data:`pasienis.resolve.kinds.KINDS` order) that has a usable value gives it;
several values of one property give the smallest, so a run is reproducible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, delete, select

from pasienis.model.models import statements
from pasienis.resolve.kinds import FEATURES, Kind, name_features
from pasienis.resolve.models import resolution_features
from pasienis.store import OnConflict, Store

#: Columns of a feature row, in :data:`resolution_features` order after the key.
ROW_COLUMNS: tuple[str, ...] = ("entity_id", "kind", "datasets", *FEATURES, "run_id")
_CHUNK = 5_000


def _statement_rows(
    conn: Connection, kind: Kind, *, entity_ids: list[str] | None, run_id: str | None
) -> Iterator[Any]:
    base = select(
        statements.c.entity_id, statements.c.prop, statements.c.value, statements.c.dataset
    ).where(statements.c.schema.in_(kind.schemata), statements.c.prop.in_([*kind.props, "id"]))
    if run_id is not None:
        ids = select(statements.c.entity_id).where(
            statements.c.run_id == run_id, statements.c.schema.in_(kind.schemata)
        )
        base = base.where(statements.c.entity_id.in_(ids.distinct()))
    if entity_ids is None:
        yield from conn.execute(base)
        return
    for start in range(0, len(entity_ids), _CHUNK):
        chunk = entity_ids[start : start + _CHUNK]
        yield from conn.execute(base.where(statements.c.entity_id.in_(chunk)))


def fold(kind: Kind, values: dict[str, list[str]]) -> dict[str, str | None]:
    """The features of one entity from its property values (``values[prop]``)."""
    out: dict[str, str | None] = dict.fromkeys(FEATURES)
    for feature, pairs in kind.sources.items():
        for prop, clean in pairs:
            found = sorted(v for v in (clean(raw) for raw in values.get(prop, ())) if v)
            if found:
                out[feature] = found[0]
                break
    out.update(name_features(out["name"]))
    return out


def read_features(
    conn: Connection,
    kind: Kind,
    *,
    entity_ids: list[str] | None = None,
    run_id: str | None = None,
) -> list[dict[str, Any]]:
    """Feature rows of every entity of ``kind`` (or of those ids, or of one import run)."""
    props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    datasets: dict[str, set[str]] = defaultdict(set)
    for row in _statement_rows(conn, kind, entity_ids=entity_ids, run_id=run_id):
        props[row.entity_id][row.prop].append(row.value)
        datasets[row.entity_id].add(row.dataset)
    rows = []
    for entity_id in sorted(props):
        row = fold(kind, props[entity_id])
        row["entity_id"] = entity_id
        row["kind"] = kind.name
        row["datasets"] = ",".join(sorted(datasets[entity_id]))
        rows.append(row)
    return rows


def save_features(
    store: Store,
    conn: Connection,
    rows: Iterable[dict[str, Any]],
    *,
    run_id: str,
    kind: str,
    replace_all: bool,
) -> int:
    """Write feature rows (the incremental path's blocking index); batch runs replace all."""
    if replace_all:
        conn.execute(delete(resolution_features).where(resolution_features.c.kind == kind))
    tuples = [(*(r[c] for c in ROW_COLUMNS[:-1]), run_id) for r in rows]
    if not replace_all and tuples:
        ids = [t[0] for t in tuples]
        for start in range(0, len(ids), _CHUNK):
            conn.execute(
                delete(resolution_features).where(
                    resolution_features.c.entity_id.in_(ids[start : start + _CHUNK])
                )
            )
    return store.bulk_insert(
        conn, resolution_features, ROW_COLUMNS, tuples, on_conflict=OnConflict.IGNORE
    )


def load_feature_rows(conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
    """Saved feature rows of these entities (for the incremental path)."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = select(resolution_features).where(resolution_features.c.entity_id.in_(chunk))
        out.extend(dict(r._mapping) for r in conn.execute(query))
    return out
