"""Entity features read from statements: one row per entity, the columns Splink compares.

An entity is the fold of its statements, so its features are too: for each feature the first
property (in :data:`pasienis.resolve.kinds.KINDS` order) that has a usable value gives it;
several values of one property give the smallest, so a run is reproducible.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, and_, delete, select

from pasienis.model.events import border_crossings, declarations, violations
from pasienis.model.models import resolver, statements
from pasienis.resolve.kinds import FEATURES, VEHICLE, Kind, name_features
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


#: Events that name a person and a vehicle in columns.
_PERSON_EVENTS = (border_crossings, violations)
#: Events whose source record also writes the persons it names (a declaration's driver is an
#: entity of the declaration's record, not a column): same dataset and locator as the
#: entity's ``id`` statement.
_RECORD_EVENTS = (declarations,)


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _linked(conn: Connection, kind: Kind, props: dict[str, dict[str, list[str]]]) -> None:
    """Fill ``ref.prop`` values: ``prop`` of the entities each entity's ``ref`` names."""
    for ref, prop in sorted(kind.linked):
        wanted = sorted({v for values in props.values() for v in values.get(ref, ())})
        found: dict[str, list[str]] = defaultdict(list)
        for chunk in _chunks(wanted):
            query = select(statements.c.entity_id, statements.c.value).where(
                statements.c.entity_id.in_(chunk), statements.c.prop == prop
            )
            for row in conn.execute(query):
                found[row.entity_id].append(row.value)
        for values in props.values():
            linked = [v for target in values.get(ref, ()) for v in found.get(target, ())]
            if linked:
                values[f"{ref}.{prop}"] = linked


def _vehicles(conn: Connection, kind: Kind, ids: list[str]) -> dict[str, str]:
    """entity id -> the vehicle it appears with most often in events (ties: smallest id).

    Why: a declaration names its driver only by name; the truck he drives is the evidence
    that links him to his crossings. Vehicles are read through the resolver, so a plate
    the camera misread counts as the vehicle it was merged into.
    """
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for chunk in _chunks(ids):
        for table in _PERSON_EVENTS:
            query = select(table.c.person_id, table.c.vehicle_id).where(
                table.c.person_id.in_(chunk), table.c.vehicle_id.is_not(None)
            )
            for row in conn.execute(query):
                counts[row.person_id][row.vehicle_id] += 1
        for table in _RECORD_EVENTS:
            same_record = and_(
                table.c.dataset == statements.c.dataset, table.c.locator == statements.c.locator
            )
            query = (
                select(statements.c.entity_id, table.c.vehicle_id)
                .join(table, same_record)
                .where(
                    statements.c.entity_id.in_(chunk),
                    statements.c.prop == "id",
                    statements.c.schema.in_(kind.schemata),
                    table.c.vehicle_id.is_not(None),
                )
            )
            for row in conn.execute(query):
                counts[row.entity_id][row.vehicle_id] += 1
    vehicles = sorted({v for c in counts.values() for v in c})
    canonical: dict[str, str] = {}
    for chunk in _chunks(vehicles):
        query = select(resolver.c.entity_id, resolver.c.canonical_id).where(
            resolver.c.entity_id.in_(chunk)
        )
        canonical.update({r.entity_id: r.canonical_id for r in conn.execute(query)})
    out: dict[str, str] = {}
    for entity_id, counter in counts.items():
        folded: Counter[str] = Counter()
        for vehicle, n in counter.items():
            folded[canonical.get(vehicle, vehicle)] += n
        out[entity_id] = min(folded, key=lambda v: (-folded[v], v))
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
    _linked(conn, kind, props)
    if kind.uses_vehicle:
        for entity_id, vehicle in _vehicles(conn, kind, sorted(props)).items():
            props[entity_id][VEHICLE] = [vehicle]
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
