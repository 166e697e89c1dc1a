"""Saved pattern queries: evaluate on a view, save, rerun, schedule, alert on new matches.

New matches of a run are published on the bus as ``graph.pattern.matched`` (payload:
``pattern``, ``owner``, ``datasets``, ``matches`` — a list of ``{"key", "nodes"}``), which the
watch capability turns into alerts. Matches already seen are remembered per pattern, so a
rerun only announces what is new.
"""

from __future__ import annotations

import hashlib
import operator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select, update

from pasienis.graph.errors import PatternNotFoundError
from pasienis.graph.filters import EdgeFilter, neighbours
from pasienis.graph.models import graph_pattern_matches, graph_patterns
from pasienis.graph.pattern_lang import NodePattern, Pattern, parse
from pasienis.graph.visibility import View
from pasienis.jobs import publish_in
from pasienis.store import Store

TOPIC = "graph.pattern.matched"
MAX_BINDINGS = 100_000
_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
        ">": operator.gt, "<": operator.lt, "=": operator.eq}  # fmt: skip


def _node_ok(view: View, node: NodePattern, idx: np.ndarray) -> np.ndarray:
    p = view.projection
    ok = view.node_ok[idx].copy()
    if node.schema:
        code = p.schemata.index.get(node.schema, -1)
        ok &= p.node_schema[idx] == code
    if node.seizures or node.dataset:
        for pos, i in enumerate(idx.tolist()):
            if ok[pos]:
                ok[pos] = _props_ok(view, node, i)
    return ok


def _props_ok(view: View, node: NodePattern, i: int) -> bool:
    p = view.projection
    if node.seizures:
        n = sum(c for k, c in p.seizure_keys.get(i, {}).items() if view.key_visible(k))
        if not _OPS[node.seizures[0]](n, node.seizures[1]):
            return False
    if node.dataset:
        keys = [int(p.node_key[i]), *p.node_more_keys.get(i, ())]
        return any(k >= 0 and view.key_visible(k) and node.dataset in p.key_parts[k] for k in keys)
    return True


def evaluate(view: View, pattern: Pattern, *, now: datetime | None = None) -> list[list[int]]:
    """Bindings (node indices per variable, in pattern order) that match the chain."""
    now = now or datetime.now(UTC)
    p = view.projection
    first = np.flatnonzero(view.node_ok)
    rows = [[int(i)] for i in first[_node_ok(view, pattern.nodes[0], first)]]
    weights = [0.0] * len(rows)
    for edge, node in zip(pattern.edges, pattern.nodes[1:], strict=True):
        since = now - timedelta(days=edge.within_days) if edge.within_days else None
        f = EdgeFilter(relations=frozenset(edge.relations), min_weight=edge.min_weight,
                       since=since, dated_only=since is not None)  # fmt: skip
        ends = np.unique(np.array([r[-1] for r in rows], np.int64))
        frm, nbr, eid = neighbours(view, f, ends)
        good = _node_ok(view, node, nbr) if len(nbr) else np.zeros(0, bool)
        step: dict[int, list[tuple[int, float]]] = {}
        for u, v, e in zip(frm[good].tolist(), nbr[good].tolist(), eid[good].tolist(), strict=True):
            step.setdefault(u, []).append((v, float(p.weight[e])))
        new_rows, new_w = [], []
        for r, w in zip(rows, weights, strict=True):
            for v, ew in step.get(r[-1], ()):
                if v not in r:
                    new_rows.append([*r, v])
                    new_w.append(w + ew)
        rows, weights = new_rows[:MAX_BINDINGS], new_w[:MAX_BINDINGS]
    return _group(pattern, rows, weights)


def _group(pattern: Pattern, rows: list[list[int]], weights: list[float]) -> list[list[int]]:
    if not pattern.returns:
        return rows
    var = [n.var for n in pattern.nodes]
    at = var.index(pattern.returns)
    groups: dict[int, list[tuple[list[int], float]]] = {}
    for r, w in zip(rows, weights, strict=True):
        groups.setdefault(r[at], []).append((r, w))
    out = []
    for key, members in groups.items():
        if all(_test(cond, members, var) for cond in pattern.having):
            out.append([key])
    return out


def _test(cond: Any, members: list[tuple[list[int], float]], var: list[str]) -> bool:
    if cond.func == "count":
        value = float(len({r[var.index(cond.arg)] for r, _w in members}))
    else:
        value = sum(w for _r, w in members)
    return bool(_OPS[cond.op](value, cond.value))


def match_dicts(view: View, pattern: Pattern, rows: list[list[int]]) -> list[dict[str, Any]]:
    ids = view.projection.node_ids
    names = [pattern.returns] if pattern.returns else [n.var for n in pattern.nodes]
    out = []
    for r in rows:
        nodes = {name: ids[i] for name, i in zip(names, r, strict=True)}
        key = hashlib.sha1("\x1f".join(f"{k}={v}" for k, v in sorted(nodes.items())).encode(),
                           usedforsecurity=False).hexdigest()  # fmt: skip
        out.append({"key": key, "nodes": nodes})
    return out


# --- saved patterns -----------------------------------------------------------------------------
def save_pattern(store: Store, *, name: str, query: str, every_s: int | None, owner: str,
                 datasets: frozenset[str]) -> dict[str, Any]:  # fmt: skip
    """Create or replace a pattern (parsed first: a syntax error saves nothing)."""
    parse(query)
    row = {
        "name": name,
        "query": query,
        "every_s": every_s,
        "owner": owner,
        "datasets": sorted(datasets),
        "created_at": datetime.now(UTC),
        "last_run_at": None,
    }
    with store.begin() as conn:
        conn.execute(delete(graph_patterns).where(graph_patterns.c.name == name))
        conn.execute(delete(graph_pattern_matches).where(graph_pattern_matches.c.pattern == name))
        conn.execute(insert(graph_patterns).values(**row))
    return row


def get_pattern(store: Store, name: str, *, datasets: frozenset[str] | None = None) -> dict:
    """A saved pattern; one saved under grants the caller lacks is reported as unknown."""
    with store.read() as conn:
        row = conn.execute(select(graph_patterns).where(graph_patterns.c.name == name)).first()
    if row is None or (datasets is not None and not set(row.datasets) <= datasets):
        raise PatternNotFoundError(f"no saved pattern {name!r}")
    return dict(row._mapping)


def list_patterns(store: Store, *, datasets: frozenset[str]) -> list[dict[str, Any]]:
    with store.read() as conn:
        rows = conn.execute(select(graph_patterns).order_by(graph_patterns.c.name))
        return [dict(r._mapping) for r in rows if set(r.datasets) <= datasets]


def delete_pattern(store: Store, name: str) -> None:
    with store.begin() as conn:
        conn.execute(delete(graph_patterns).where(graph_patterns.c.name == name))
        conn.execute(delete(graph_pattern_matches).where(graph_pattern_matches.c.pattern == name))


def record_run(store: Store, pattern: dict[str, Any], matches: list[dict[str, Any]],
               *, now: datetime | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Remember matches; publish the new ones on the bus; return the new ones."""
    now = now or datetime.now(UTC)
    name = pattern["name"]
    with store.begin() as conn:
        seen = set(
            conn.execute(
                select(graph_pattern_matches.c.match_key).where(
                    graph_pattern_matches.c.pattern == name
                )
            ).scalars()
        )
        new = [m for m in matches if m["key"] not in seen]
        if new:
            conn.execute(insert(graph_pattern_matches), [
                {"pattern": name, "match_key": m["key"], "nodes": m["nodes"], "first_seen": now}
                for m in new])  # fmt: skip
            publish_in(conn, topic=TOPIC, payload={
                "pattern": name, "owner": pattern["owner"], "datasets": pattern["datasets"],
                "matches": new})  # fmt: skip
        conn.execute(update(graph_patterns).where(graph_patterns.c.name == name)
                     .values(last_run_at=now))  # fmt: skip
    return new


def due_patterns(store: Store, *, now: datetime) -> list[dict[str, Any]]:
    """Scheduled patterns whose period has passed since their last run."""
    with store.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(
            select(graph_patterns).where(graph_patterns.c.every_s.is_not(None)))]  # fmt: skip
    return [
        r
        for r in rows
        if r["last_run_at"] is None or r["last_run_at"] + timedelta(seconds=r["every_s"]) <= now
    ]


def run_saved(service: Any, name: str, *, datasets: frozenset[str] | None = None,
              now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """Rerun a saved pattern under its saved grants (and the caller's, when given)."""
    pattern = get_pattern(service.store, name, datasets=datasets)
    grants = frozenset(pattern["datasets"]) & (datasets if datasets is not None else
                                               frozenset(pattern["datasets"]))  # fmt: skip
    parsed = parse(pattern["query"])
    with service.view(grants) as view:
        matches = match_dicts(view, parsed, evaluate(view, parsed, now=now))
    new = record_run(service.store, pattern, matches, now=now)
    return {"pattern": name, "matches": matches, "new": new}


def run_due(service: Any, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Run every scheduled pattern that is due (called by `pasienis graph patterns run-due`)."""
    now = now or datetime.now(UTC)
    return [run_saved(service, p["name"], now=now) for p in due_patterns(service.store, now=now)]
