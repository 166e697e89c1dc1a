"""Building the projection from the store, and applying deltas to it.

The full build runs once per process; afterwards :func:`apply_delta` re-derives only the edges
touching the entities an import, a resolver decision or a retraction changed. Nodes are
canonical ids read through :func:`canonical_map` (the ``resolver`` table: no row means the
entity is its own canonical), so a merge or split shows at the next refresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, func, select

from pasienis.graph.links import (
    CHUNK,
    NOT_NODES,
    RawLink,
    all_links,
    interval_schemata,
    seizure_counts,
)
from pasienis.graph.projection import UNDATED, EdgeBatch, Projection
from pasienis.model import live
from pasienis.model.models import resolver, statements

LABEL_PROPS = ("name", "registrationNumber", "number", "code", "full", "title")


def canonical_map(conn: Connection) -> dict[str, str]:
    """Every resolver row: source entity id → canonical id (absent = its own canonical)."""
    return dict(conn.execute(select(resolver.c.entity_id, resolver.c.canonical_id)).all())


def resolver_signature(conn: Connection) -> tuple[int, str]:
    """Cheap change detector for the resolver: row count and latest update."""
    n, last = conn.execute(select(func.count(), func.max(resolver.c.updated_at))).one()
    return int(n), str(last)


@dataclass
class Folded:
    """Raw links folded to canonical edges: (src, dst, rel, key) → count, first, last."""

    edges: dict[tuple[str, str, str, tuple[str, ...]], list]


def _ts(value: datetime | None) -> int:
    return UNDATED if value is None else int(value.timestamp())


def fold(links: Iterable[RawLink], canon: dict[str, str]) -> Folded:
    """Aggregate member-level links per canonical pair; self-loops (a merge) disappear."""
    out: dict[tuple[str, str, str, tuple[str, ...]], list] = {}
    for link in links:
        a, b = canon.get(link.src, link.src), canon.get(link.dst, link.dst)
        if a == b:
            continue
        k = (a, b, link.rel, link.datasets)
        t0, t1 = _ts(link.first), _ts(link.last if link.last is not None else link.first)
        cur = out.get(k)
        if cur is None:
            out[k] = [link.count, t0, t1]
        else:
            cur[0] += link.count
            cur[1] = t0 if cur[1] == UNDATED else min(cur[1], t0) if t0 != UNDATED else cur[1]
            cur[2] = max(cur[2], t1)
    return Folded(out)


def _key(p: Projection, datasets: tuple[str, ...]) -> int:
    code = p.keys.code("+".join(datasets))
    p.key_parts[code] = frozenset(datasets)
    return code


def to_batch(p: Projection, folded: Folded, schema_of: dict[str, str]) -> EdgeBatch:
    """Edge arrays for ``folded``, adding endpoint nodes the statements did not declare."""
    items = list(folded.edges.items())
    if not items:
        return EdgeBatch.empty()
    ends = [k[0] for k, _ in items] + [k[1] for k, _ in items]
    idx = p.add_nodes(ends, [schema_of.get(e, _guess_schema(e)) for e in ends])
    n = len(items)
    batch = EdgeBatch(
        src=idx[:n].astype(np.int32), dst=idx[n:].astype(np.int32),
        rel=np.array([p.relations.code(k[2]) for k, _ in items], np.int32),
        key=np.array([_key(p, k[3]) for k, _ in items], np.int32),
        weight=np.array([v[0] for _, v in items], np.float32),
        t_first=np.array([v[1] for _, v in items], np.int64),
        t_last=np.array([v[2] for _, v in items], np.int64),
    )  # fmt: skip
    # An endpoint only referenced by an event is visible to whoever sees the event.
    for (_a, _b, _r, datasets), s, d in zip((k for k, _ in items), batch.src, batch.dst,
                                            strict=True):  # fmt: skip
        for node in (int(s), int(d)):
            if p.node_key[node] < 0:
                p.add_node_key(node, _key(p, datasets))
    return batch


def _guess_schema(node_id: str) -> str:
    return "Vehicle" if node_id.startswith("plate:") else "Thing"


def _node_rows(conn: Connection, entities: list[str] | None) -> list[tuple[str, str, str]]:
    s = statements.c
    query = select(s.entity_id, s.schema, s.dataset).where(
        s.prop_type == "id", s.schema.not_in(sorted(interval_schemata())),
        s.schema.not_in(NOT_NODES), live(statements),
    ).group_by(s.entity_id, s.schema, s.dataset)  # fmt: skip
    if entities is None:
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]
    rows: list[tuple[str, str, str]] = []
    for i in range(0, len(entities), CHUNK):
        part = conn.execute(query.where(s.entity_id.in_(entities[i : i + CHUNK])))
        rows += [tuple(r) for r in part]  # type: ignore[misc]
    return rows


def _label_rows(conn: Connection, entities: list[str] | None) -> list[tuple[str, str, str]]:
    s = statements.c
    query = select(s.entity_id, s.dataset, func.min(s.value)).where(
        s.prop.in_(LABEL_PROPS), live(statements)).group_by(s.entity_id, s.dataset)  # fmt: skip
    if entities is None:
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]
    rows: list[tuple[str, str, str]] = []
    for i in range(0, len(entities), CHUNK):
        rows += [
            tuple(r) for r in conn.execute(query.where(s.entity_id.in_(entities[i : i + CHUNK])))
        ]  # type: ignore[misc]
    return rows


def load_nodes(
    p: Projection, conn: Connection, canon: dict[str, str], entities: list[str] | None = None
) -> dict[str, str]:
    """Declare nodes (schema, compartment keys, labels) for ``entities`` (None: all)."""
    rows = _node_rows(conn, entities)
    schema_of: dict[str, str] = {}
    for eid, schema, _ds in rows:
        c = canon.get(eid, eid)
        if c not in schema_of or eid == c:
            schema_of[c] = schema
    ids = sorted(schema_of)
    idx = p.add_nodes(ids, [schema_of[i] for i in ids])
    where = dict(zip(ids, idx.tolist(), strict=True))
    for eid, _schema, ds in rows:
        p.add_node_key(where[canon.get(eid, eid)], _key(p, (ds,)))
    for eid, ds, label in _label_rows(conn, entities):
        node = where.get(canon.get(eid, eid))
        if node is not None:
            labels = p.labels.setdefault(node, [])
            entry = (_key(p, (ds,)), label)
            if entry not in labels:
                labels.append(entry)
    for eid, ds, n in seizure_counts(conn, entities):
        node = p.node_index.get(canon.get(eid, eid))
        if node is not None:
            per = p.seizure_keys.setdefault(node, {})
            code = _key(p, (ds,))
            per[code] = per.get(code, 0) + n
    return schema_of


def build_projection(conn: Connection, *, shared_cap: int = 25) -> Projection:
    """The full build: every node and edge from statements, events and co-travel results."""
    p = Projection()
    canon = canonical_map(conn)
    schema_of = load_nodes(p, conn, canon)
    folded = fold(all_links(conn, None, shared_cap=shared_cap), canon)
    p.set_edges(to_batch(p, folded, schema_of))
    p.canon = canon
    p.touched = set()  # every node is new to a view of this projection
    return p
