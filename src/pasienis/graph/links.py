"""Where edges come from: one definition per link kind, used for the build, deltas and evidence.

Every link kind answers two questions with the same WHERE clause: the member-level aggregates
(source entity, target entity, dataset(s), count, first, last) that the projection folds into
canonical edges, and the detail rows behind them (statement, event or read ids) that
``GET /api/graph/edges/{id}/evidence`` shows. Passing ``entities`` restricts both to links
touching those source entity ids (an incremental update, or one edge's evidence).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from pasienis.graph.cotravel_run import pair_datasets
from pasienis.graph.models import graph_cotravel
from pasienis.model import live
from pasienis.model.events import border_crossings, declarations, violations
from pasienis.model.models import statements

#: Event links: (table, source column, target column, relation).
EVENT_LINKS: tuple[tuple[Any, str, str, str], ...] = (
    (border_crossings, "person_id", "vehicle_id", "drove"),
    (border_crossings, "vehicle_id", "checkpoint_id", "crossed_at"),
    (border_crossings, "person_id", "document_id", "travelled_on"),
    (declarations, "declarant_id", "consignee_id", "declared_for"),
    (declarations, "consignor_id", "consignee_id", "consigned_to"),
    (declarations, "vehicle_id", "consignee_id", "carried_goods_for"),
    (violations, "person_id", "vehicle_id", "seized_with"),
)
#: Property types whose shared values link two entities ("shares a phone").
SHARED_TYPES = ("phone", "email", "address", "iban", "identifier")
CHUNK = 500
#: Not nodes: a Mention becomes a document → entity edge (:mod:`pasienis.graph.mentions`),
#: a Page is a part of its document (named in the mention's evidence).
NOT_NODES = ("Mention", "Page")


@lru_cache(maxsize=1)
def text_schemata() -> tuple[str, ...]:
    """Documents, pages, mentions: they *mention* a phone or an address, they do not hold it,
    so they share no value with anyone (their link is the ``mentions`` edge)."""
    from followthemoney.model import Model

    docs = [s.name for s in Model.instance().schemata.values() if s.is_a("Document")]
    return tuple(sorted({*docs, *NOT_NODES}))


@dataclass(frozen=True, slots=True)
class RawLink:
    """A member-level aggregate: ``datasets`` are all needed to see it (one, or two)."""

    src: str
    dst: str
    rel: str
    datasets: tuple[str, ...]
    count: int
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact behind an edge, as shown to a court: what, where it came from, when."""

    kind: str  # statement | event table name | plate_reads
    id: str
    src: str
    dst: str
    rel: str
    dataset: str
    locator: str | None
    at: datetime | None
    detail: dict[str, Any]


@lru_cache(maxsize=1)
def interval_schemata() -> dict[str, tuple[str, str]]:
    """FtM schemata that are relations (``edge:`` in their YAML): name → (source, target)."""
    from followthemoney.model import Model

    return {
        s.name: (s.edge_source, s.edge_target)
        for s in Model.instance().schemata.values()
        if s.edge and s.edge_source and s.edge_target
    }


def _chunks(ids: Sequence[str] | None) -> Iterator[list[str] | None]:
    if ids is None:
        yield None
        return
    items = sorted(set(ids))
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


# --- events ---------------------------------------------------------------------------------
def event_links(conn: Connection, entities: Sequence[str] | None = None) -> Iterator[RawLink]:
    """Crossings, declarations, seizures aggregated per (source, target, dataset)."""
    for table, a, b, rel in EVENT_LINKS:
        ca, cb = table.c[a], table.c[b]
        seen: set[tuple[str, str, str]] = set()  # a link between two chunks comes twice
        for chunk in _chunks(entities):
            where = [ca.is_not(None), cb.is_not(None), live(table)]
            if chunk is not None:
                where.append(or_(ca.in_(chunk), cb.in_(chunk)))
            query = (
                select(ca, cb, table.c.dataset, func.count(), func.min(table.c.occurred_at),
                       func.max(table.c.occurred_at))
                .where(*where).group_by(ca, cb, table.c.dataset)
            )  # fmt: skip
            for s, d, ds, n, t0, t1 in conn.execute(query):
                if (s, d, ds) not in seen:
                    seen.add((s, d, ds))
                    yield RawLink(s, d, rel, (ds,), int(n), t0, t1)


def event_evidence(
    conn: Connection, rel: str, srcs: list[str], dsts: list[str], datasets: frozenset[str]
) -> Iterator[Evidence]:
    for table, a, b, kind in EVENT_LINKS:
        if kind != rel:
            continue
        query = (
            select(table).where(table.c[a].in_(srcs), table.c[b].in_(dsts),
                                table.c.dataset.in_(sorted(datasets)), live(table))
            .order_by(table.c.occurred_at)
        )  # fmt: skip
        for row in conn.execute(query):
            m = row._mapping
            yield Evidence(table.name, m["id"], m[a], m[b], rel, m["dataset"], m["locator"],
                           m["occurred_at"], dict(m.get("attributes") or {}))  # fmt: skip


def seizure_counts(
    conn: Connection, entities: Sequence[str] | None = None
) -> Iterator[tuple[str, str, int]]:
    """(entity id, dataset, number of violations/seizures) — a node property, per dataset."""
    for col in (violations.c.person_id, violations.c.vehicle_id):
        for chunk in _chunks(entities):
            where = [col.is_not(None), live(violations)]
            where += [col.in_(chunk)] if chunk is not None else []
            query = select(col, violations.c.dataset, func.count()).where(*where)
            for eid, ds, n in conn.execute(query.group_by(col, violations.c.dataset)):
                yield eid, ds, int(n)  # chunks hold distinct ids: no duplicates


# --- statements: interval entities and entity-typed properties -------------------------------
def _interval_ids(conn: Connection, chunk: list[str]) -> list[str]:
    s = statements.c
    query = select(s.entity_id).where(
        s.prop_type == "entity",
        s.value.in_(chunk),
        s.schema.in_(sorted(interval_schemata())),
        live(statements),
    )
    return list(set(conn.execute(query.distinct()).scalars()))


def _interval_rows(conn: Connection, entities: Sequence[str] | None) -> Iterator[Any]:
    s = statements.c
    names = sorted(interval_schemata())
    base = select(statements).where(s.schema.in_(names), live(statements))
    if entities is None:
        yield from conn.execute(base.order_by(s.entity_id))
        return
    for chunk in _chunks(entities):
        ids = _interval_ids(conn, chunk or [])
        for part in _chunks(ids):
            yield from conn.execute(base.where(s.entity_id.in_(part or [])))


def _fold_intervals(rows: Iterable[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Interval entities by (id, dataset): their endpoints, dates and statements."""
    folded: dict[tuple[str, str], dict[str, Any]] = {}
    seen: set[str] = set()
    for row in rows:
        if row.id in seen:
            continue
        seen.add(row.id)
        item = folded.setdefault((row.entity_id, row.dataset), {"schema": row.schema, "rows": []})
        item["rows"].append(row)
    return folded


def _interval_links(rows: Iterable[Any]) -> Iterator[tuple[RawLink, list[Any]]]:
    schemata = interval_schemata()
    for (_eid, dataset), item in _fold_intervals(rows).items():
        source, target = schemata[item["schema"]]
        by_prop: dict[str, list[str]] = {}
        for r in item["rows"]:
            by_prop.setdefault(r.prop, []).append(r.value)
        dates = sorted(by_prop.get("startDate", []) + by_prop.get("date", []))
        ends = sorted(by_prop.get("endDate", []))
        first = _parse_date(dates[0]) if dates else None
        last = _parse_date(ends[-1]) if ends else first
        for a in by_prop.get(source, []):
            for b in by_prop.get(target, []):
                link = RawLink(a, b, item["schema"].lower(), (dataset,), 1, first, last)
                yield link, item["rows"]


def _parse_date(value: str) -> datetime | None:
    """FtM dates are prefixes of ISO dates (``2020``, ``2020-05``, ``2020-05-01T…``)."""
    from datetime import UTC

    text = value[:10]
    text += {4: "-01-01", 7: "-01"}.get(len(text), "")
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def _property_rows(conn: Connection, entities: Sequence[str] | None) -> Iterator[Any]:
    s = statements.c
    base = select(s.id, s.entity_id, s.schema, s.prop, s.value, s.dataset, s.locator).where(
        s.prop_type == "entity",
        s.schema.not_in(sorted(interval_schemata())),
        s.schema.not_in(NOT_NODES),
        live(statements),
    )
    for chunk in _chunks(entities):
        query = (
            base if chunk is None else base.where(or_(s.entity_id.in_(chunk), s.value.in_(chunk)))
        )
        yield from conn.execute(query)


def statement_links(conn: Connection, entities: Sequence[str] | None = None) -> Iterator[RawLink]:
    """Relations (Ownership, Directorship, Family…) and entity-typed properties (holder, owner)."""
    for link, _rows in _interval_links(_interval_rows(conn, entities)):
        yield link
    counts: dict[tuple[str, str, str, str], int] = {}
    seen: set[str] = set()
    for r in _property_rows(conn, entities):
        if r.id in seen:
            continue
        seen.add(r.id)
        k = (r.entity_id, r.value, r.prop, r.dataset)
        counts[k] = counts.get(k, 0) + 1
    for (a, b, prop, ds), n in counts.items():
        yield RawLink(a, b, prop, (ds,), n, None, None)


def statement_evidence(
    conn: Connection, rel: str, srcs: list[str], dsts: list[str], datasets: frozenset[str]
) -> Iterator[Evidence]:
    wanted_src, wanted_dst = set(srcs), set(dsts)
    for link, rows in _interval_links(_interval_rows(conn, srcs)):
        if link.rel == rel and link.src in wanted_src and link.dst in wanted_dst and \
                link.datasets[0] in datasets:  # fmt: skip
            for r in rows:
                yield _statement_evidence(r, link)
    for r in _property_rows(conn, srcs):
        if r.prop == rel and r.entity_id in wanted_src and r.value in wanted_dst \
                and r.dataset in datasets:  # fmt: skip
            yield _statement_evidence(r, RawLink(r.entity_id, r.value, rel, (r.dataset,), 1,
                                                 None, None))  # fmt: skip


def _statement_evidence(r: Any, link: RawLink) -> Evidence:
    detail = {"entity_id": r.entity_id, "schema": r.schema, "prop": r.prop, "value": r.value}
    return Evidence("statement", r.id, link.src, link.dst, link.rel, r.dataset, r.locator,
                    None, detail)  # fmt: skip


# --- shared values ----------------------------------------------------------------------------
def _shared_groups(
    conn: Connection, entities: Sequence[str] | None, cap: int
) -> Iterator[tuple[str, str, list[Any]]]:
    s = statements.c
    is_shared = and_(
        s.prop_type.in_(SHARED_TYPES), s.schema.not_in(text_schemata()), live(statements)
    )
    groups = (
        select(s.prop_type, s.value).where(is_shared)
        .group_by(s.prop_type, s.value)
        .having(and_(func.count(s.entity_id.distinct()) >= 2,
                     func.count(s.entity_id.distinct()) <= cap))
    )  # fmt: skip
    for chunk in _chunks(entities):
        query = groups
        if chunk is not None:
            mine = select(s.value).where(is_shared, s.entity_id.in_(chunk))
            query = groups.where(s.value.in_(mine))
        keys = [(t, v) for t, v in conn.execute(query)]
        by_value: dict[tuple[str, str], list[Any]] = {k: [] for k in keys}
        for part in range(0, len(keys), CHUNK):
            values = sorted({v for _t, v in keys[part : part + CHUNK]})
            rows = conn.execute(
                select(s.id, s.entity_id, s.prop_type, s.value, s.dataset, s.locator, s.prop,
                       s.schema).where(is_shared, s.value.in_(values))
            )  # fmt: skip
            for r in rows:
                if (r.prop_type, r.value) in by_value:
                    by_value[(r.prop_type, r.value)].append(r)
        for (ptype, value), rows in by_value.items():
            yield ptype, value, rows


def _pairs(rows: list[Any]) -> Iterator[tuple[Any, Any]]:
    ordered = sorted(rows, key=lambda r: (r.entity_id, r.dataset, r.id))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if a.entity_id != b.entity_id:
                yield a, b


def shared_links(
    conn: Connection, entities: Sequence[str] | None = None, *, cap: int = 25
) -> Iterator[RawLink]:
    """Pairs of entities sharing a phone, email, address, IBAN or identifier (groups ≤ cap)."""
    seen: set[tuple[str, str, str, str, str]] = set()
    for ptype, value, rows in _shared_groups(conn, entities, cap):
        for a, b in _pairs(rows):
            k = (a.entity_id, b.entity_id, a.dataset, b.dataset, value)
            if k in seen:
                continue
            seen.add(k)
            datasets = tuple(sorted({a.dataset, b.dataset}))
            yield RawLink(a.entity_id, b.entity_id, f"shares_{ptype}", datasets, 1, None, None)


def shared_evidence(
    conn: Connection, rel: str, srcs: list[str], dsts: list[str], datasets: frozenset[str],
    *, cap: int = 25,
) -> Iterator[Evidence]:  # fmt: skip
    wanted = set(srcs) | set(dsts)
    for ptype, _value, rows in _shared_groups(conn, srcs, cap):
        if f"shares_{ptype}" != rel:
            continue
        for a, b in _pairs(rows):
            ends = {a.entity_id, b.entity_id}
            if not ends <= wanted or not ({a.entity_id} & set(srcs) and ends & set(dsts)):
                continue
            if a.dataset in datasets and b.dataset in datasets:
                link = RawLink(a.entity_id, b.entity_id, rel, (), 1, None, None)
                yield _statement_evidence(a, link)
                yield _statement_evidence(b, link)


# --- co-travel ----------------------------------------------------------------------------------
def plate_vehicles(conn: Connection, plates: Iterable[str]) -> dict[str, str]:
    """Vehicle entity ids by normalised plate; plates without a Vehicle get ``plate:<P>``."""
    s = statements.c
    wanted = sorted(set(plates))
    found: dict[str, str] = {}
    for i in range(0, len(wanted), CHUNK):
        query = select(s.value, func.min(s.entity_id)).where(
            s.schema == "Vehicle", s.prop == "registrationNumber",
            s.value.in_(wanted[i : i + CHUNK]), live(statements),
        ).group_by(s.value)  # fmt: skip
        found.update(dict(conn.execute(query).all()))
    return {p: found.get(p, f"plate:{p}") for p in wanted}


def cotravel_links(conn: Connection, entities: Sequence[str] | None = None) -> Iterator[RawLink]:
    """Co-travel pairs found by :mod:`pasienis.graph.cotravel` as leader → follower edges."""
    rows = list(conn.execute(select(graph_cotravel)))
    vehicles = plate_vehicles(conn, [p for r in rows for p in (r.leader_plate, r.follower_plate)])
    wanted = None if entities is None else set(entities)
    for r in rows:
        a, b = vehicles[r.leader_plate], vehicles[r.follower_plate]
        if wanted is None or a in wanted or b in wanted:
            yield RawLink(a, b, "co_travel", pair_datasets(r), int(r.occasions), r.first_at,
                          r.last_at)  # fmt: skip


def cotravel_scores(conn: Connection) -> dict[tuple[str, str, str], float]:
    """Score of each stored pair by (leader plate, follower plate, dataset): the edge weight."""
    c = graph_cotravel.c
    return {(a, b, d): float(s) for a, b, d, s in conn.execute(
        select(c.leader_plate, c.follower_plate, c.dataset, c.score))}  # fmt: skip


def cotravel_evidence(
    conn: Connection, srcs: list[str], dsts: list[str], datasets: frozenset[str]
) -> Iterator[Evidence]:
    from pasienis.model.events import plate_reads

    query = select(graph_cotravel).where(graph_cotravel.c.dataset.in_(sorted(datasets)))
    rows = [r for r in conn.execute(query) if set(pair_datasets(r)) <= datasets]
    vehicles = plate_vehicles(conn, [p for r in rows for p in (r.leader_plate, r.follower_plate)])
    for r in rows:
        a, b = vehicles[r.leader_plate], vehicles[r.follower_plate]
        if a not in srcs or b not in dsts:
            continue
        ids = list(r.read_ids)
        for i in range(0, len(ids), CHUNK):
            reads = conn.execute(select(plate_reads).where(
                plate_reads.c.id.in_(ids[i:i + CHUNK]), live(plate_reads))
                .order_by(plate_reads.c.occurred_at))  # fmt: skip
            for m in (x._mapping for x in reads):
                yield Evidence("plate_reads", m["id"], a, b, "co_travel", m["dataset"],
                               m["locator"], m["occurred_at"],
                               {"camera_id": m["camera_id"], "plate": m["plate"],
                                "plate_raw": m["plate_raw"], "score": r.score})  # fmt: skip
            crossed = conn.execute(select(border_crossings).where(
                border_crossings.c.id.in_(ids[i:i + CHUNK]), live(border_crossings))
                .order_by(border_crossings.c.occurred_at))  # fmt: skip
            for m in (x._mapping for x in crossed):  # crossings count as reads at checkpoints
                yield Evidence("border_crossings", m["id"], a, b, "co_travel", m["dataset"],
                               m["locator"], m["occurred_at"],
                               {"checkpoint_id": m["checkpoint_id"],
                                "vehicle_id": m["vehicle_id"], "score": r.score})  # fmt: skip


def all_links(
    conn: Connection, entities: Sequence[str] | None = None, *, shared_cap: int = 25
) -> Iterator[RawLink]:
    """Every link kind (the projection's one source of edges)."""
    yield from statement_links(conn, entities)
    yield from event_links(conn, entities)
    yield from shared_links(conn, entities, cap=shared_cap)
    yield from cotravel_links(conn, entities)
    from pasienis.graph.mentions import mention_links_of  # its own module; imports this one

    yield from mention_links_of(conn, entities)


def where_any(column: Any, ids: Sequence[str]) -> ColumnElement[bool]:
    """``column IN ids`` for id lists of any length (chunked ORs)."""
    parts = [column.in_(list(ids[i : i + CHUNK])) for i in range(0, len(ids), CHUNK)]
    return or_(*parts) if parts else column.in_([])
