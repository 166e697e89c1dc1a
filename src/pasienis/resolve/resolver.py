"""Writing the resolver from candidate edges, and reading it (the public surface).

The resolver is derived state: clusters of ``auto`` + ``merged`` edges that respect every
``not-same`` pair. Recomputing a neighbourhood after a decision (or the whole kind after a
batch run) makes merges, splits and undo the same operation, so none can drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, or_, select

from pasienis.model import canonical_ids
from pasienis.model.models import resolver
from pasienis.resolve.cluster import Clusters, components
from pasienis.resolve.models import resolution_candidates as cand
from pasienis.resolve.models import resolution_features, resolution_runs
from pasienis.store import OnConflict, Store

EDGE_STATUSES = ("merged", "auto")
_CHUNK = 5_000


def now() -> datetime:
    return datetime.now(UTC)


def canonical_of(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """entity id -> canonical id for each id (an id never merged maps to itself).

    The one reader of the mapping is :func:`pasienis.model.canonical_ids` (capabilities that
    may not import this one read it there); this name stays the resolver's public surface."""
    return canonical_ids(conn, ids)


def members_of(conn: Connection, canonical_id: str) -> list[str]:
    """Every source entity id of a cluster, the canonical id first (itself when unmerged)."""
    canonical = canonical_of(conn, [canonical_id])[canonical_id]
    rows = conn.execute(
        select(resolver.c.entity_id).where(resolver.c.canonical_id == canonical)
    ).scalars()
    return [canonical, *sorted(set(rows) - {canonical})]


def _members_of_many(conn: Connection, canonicals: Iterable[str]) -> set[str]:
    """Every member of these clusters, in one query per chunk (not one per cluster)."""
    wanted = sorted(canonicals)
    found = set(wanted)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(
            conn.execute(
                select(resolver.c.entity_id).where(resolver.c.canonical_id.in_(chunk))
            ).scalars()
        )
    return found


def _edges(conn: Connection, kind: str, ids: list[str] | None) -> list[tuple[str, str, str]]:
    """(left, right, judgement) edges in priority order: analysts' merges, then by score."""
    judgement_of_run = dict(
        conn.execute(select(resolution_runs.c.id, resolution_runs.c.judgement_id)).all()
    )
    query = select(cand.c.left_id, cand.c.right_id, cand.c.status, cand.c.probability,
                   cand.c.run_id, cand.c.judgement_id).where(
        cand.c.kind == kind, cand.c.status.in_(EDGE_STATUSES))  # fmt: skip
    rows = list(_in_chunks(conn, query, ids))
    rows.sort(key=lambda r: (r.status != "merged", -(r.probability or 0.0), r.left_id, r.right_id))
    return [
        (r.left_id, r.right_id, r.judgement_id or judgement_of_run.get(r.run_id) or "")
        for r in rows
    ]


def _in_chunks(conn: Connection, query, ids: list[str] | None):
    if ids is None:
        yield from conn.execute(query)
        return
    seen: set[tuple[str, str]] = set()
    for start in range(0, len(ids), _CHUNK // 2):
        chunk = ids[start : start + _CHUNK // 2]
        for row in conn.execute(query.where(or_(cand.c.left_id.in_(chunk),
                                                cand.c.right_id.in_(chunk)))):  # fmt: skip
            if (row.left_id, row.right_id) not in seen:
                seen.add((row.left_id, row.right_id))
                yield row


def _not_same(conn: Connection, kind: str, ids: list[str] | None) -> list[tuple[str, str]]:
    query = select(cand.c.left_id, cand.c.right_id, cand.c.status, cand.c.probability,
                   cand.c.run_id, cand.c.judgement_id).where(
        cand.c.kind == kind, cand.c.status == "not-same")  # fmt: skip
    return [(r.left_id, r.right_id) for r in _in_chunks(conn, query, ids)]


def neighbourhood(conn: Connection, kind: str, seeds: Iterable[str]) -> list[str]:
    """Every entity connected to ``seeds`` by an edge or by a current cluster."""
    todo, seen = set(seeds), set()
    while todo:
        batch = sorted(todo - seen)
        seen |= todo
        todo = set()
        for a, b, _ in _edges(conn, kind, batch):
            todo.update({a, b})
        todo.update(_members_of_many(conn, set(canonical_of(conn, batch).values())))
        todo -= seen
    return sorted(seen)


def recompute(
    store: Store, conn: Connection, kind: str, *, seeds: Iterable[str] | None = None
) -> dict[str, int]:
    """Re-cluster the kind (or the seeds' neighbourhood) and rewrite their resolver rows."""
    scope = None if seeds is None else neighbourhood(conn, kind, seeds)
    cannot = _not_same(conn, kind, scope)
    edges = _edges(conn, kind, scope)
    set_by: dict[str, str] = {}
    if cannot:
        found = Clusters(cannot)
        for a, b, judgement in edges:
            if found.union(a, b):
                set_by.setdefault(a, judgement)
                set_by.setdefault(b, judgement)
        groups, refused = found.groups(), found.refused
    else:  # no constraint: every edge joins, so each member's first edge set it
        for a, b, judgement in edges:
            set_by.setdefault(a, judgement)
            set_by.setdefault(b, judgement)
        groups, refused = components((a, b) for a, b, _ in edges), 0
    if scope is None:
        kind_ids = select(resolution_features.c.entity_id).where(resolution_features.c.kind == kind)
        conn.execute(delete(resolver).where(resolver.c.entity_id.in_(kind_ids)))
    else:
        for start in range(0, len(scope), _CHUNK):
            chunk = scope[start : start + _CHUNK]
            conn.execute(delete(resolver).where(resolver.c.entity_id.in_(chunk)))
    stamp = now()
    rows = [
        (member, group[0], set_by.get(member) or None, stamp)
        for group in groups
        for member in group
    ]
    store.bulk_insert(conn, resolver, ("entity_id", "canonical_id", "judgement_id", "updated_at"),
                      rows, on_conflict=OnConflict.IGNORE)  # fmt: skip
    return {"clusters": len(groups), "clustered": len(rows), "refused_edges": refused}
