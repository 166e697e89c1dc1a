"""The graph service: one projection per process, refreshed from the change log, and views.

Queries never rebuild: the projection is built on first use, then each query first applies
pending deltas (at most every ``refresh_interval`` seconds; a cheap cursor check) and reads
through the caller's :class:`~pasienis.graph.visibility.View`.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select

from pasienis.graph.build import build_projection, resolver_signature
from pasienis.graph.delta import CHANGE_TOPICS, apply_delta, entities_of_run
from pasienis.graph.errors import UnknownEdgeError, UnknownNodeError
from pasienis.graph.projection import UNDATED, Projection
from pasienis.graph.visibility import View, ViewCache
from pasienis.jobs import events_since
from pasienis.jobs.models import bus_events
from pasienis.model.models import retracted_runs
from pasienis.store import Store


class GraphService:
    """Holds the projection of one store; thread-safe (one lock: queries are milliseconds)."""

    def __init__(
        self, store: Store, *, shared_cap: int = 25, refresh_interval: float = 2.0
    ) -> None:
        self.store = store
        self.shared_cap = shared_cap
        self.refresh_interval = refresh_interval
        self._projection: Projection | None = None
        self._views = ViewCache()
        self._lock = threading.RLock()
        self._cursor = 0
        self._resolver_sig: tuple[int, str] | None = None
        self._retracted: set[str] = set()
        self._checked = 0.0

    # --- lifecycle --------------------------------------------------------------------------
    def build(self) -> Projection:
        """Build the projection from the store (once per process, or on an explicit rebuild)."""
        with self._lock, self.store.read() as conn:
            cursor = conn.execute(select(func.max(bus_events.c.id))).scalar() or 0
            self._resolver_sig = resolver_signature(conn)
            self._retracted = _retracted(conn)
            self._projection = build_projection(conn, shared_cap=self.shared_cap)
            self._cursor = int(cursor)
            self._views.clear()
            self._checked = time.monotonic()
            return self._projection

    def use(self, projection: Projection) -> None:
        """Serve a projection built elsewhere (benchmarks' synthetic graphs); no refreshes."""
        with self._lock:
            self._projection = projection
            self._views.clear()
            self.refresh_interval = float("inf")
            self._checked = time.monotonic()

    def refresh(self) -> int:
        """Apply changes published since the last refresh; returns the edges re-derived."""
        with self._lock:
            if self._projection is None:
                self.build()
                return 0
            with self.store.read() as conn:
                changed: set[str] = set()
                events = events_since(conn, cursor=self._cursor, topics=list(CHANGE_TOPICS),
                                      limit=100_000)  # fmt: skip
                for event in events:
                    changed |= self._changed_by(conn, event.topic, event.payload)
                    self._cursor = event.id
                # Diff the retracted runs (also right for retractions older than their events).
                retracted = _retracted(conn)
                for run_id in retracted ^ self._retracted:
                    changed |= entities_of_run(conn, run_id)
                self._retracted = retracted
                sig = resolver_signature(conn)
                if not changed and sig == self._resolver_sig:
                    return 0
                self._resolver_sig = sig
                # Views are not dropped: the next query of each grant set updates its masks.
                return apply_delta(self._projection, conn, changed, shared_cap=self.shared_cap)

    @staticmethod
    def _changed_by(conn: Any, topic: str, payload: dict[str, Any]) -> set[str]:
        if topic == "import.completed" and payload.get("id"):
            return entities_of_run(conn, str(payload["id"]))
        if topic == "graph.cotravel.updated":
            return {str(e) for e in payload.get("entity_ids", [])} | {
                f"plate:{p}" for p in payload.get("plates", [])}  # fmt: skip
        return {str(e) for e in payload.get("entity_ids", [])}

    def projection(self) -> Projection:
        """The current projection, built on first use and refreshed when due."""
        with self._lock:
            if self._projection is None:
                return self.build()
            if time.monotonic() - self._checked >= self.refresh_interval:
                self._checked = time.monotonic()
                self.refresh()
            return self._projection

    @contextmanager
    def view(self, datasets: frozenset[str]) -> Iterator[View]:
        """The caller's view, with the lock held while the query runs."""
        with self._lock:
            p = self.projection()
            yield self._views.get(p, datasets)


def _retracted(conn: Any) -> set[str]:
    """Ids of the retracted import runs (their statements and events are not live)."""
    return set(conn.execute(select(retracted_runs.c.run_id)).scalars())


# --- ids and serialisation -----------------------------------------------------------------------
def node_index(view: View, entity_id: str) -> int:
    """The node of an entity id (any member id resolves to its canonical node)."""
    p = view.projection
    idx = p.node_index.get(p.canon.get(entity_id, entity_id))
    if idx is None or not view.visible(idx):  # unknown and hidden look the same
        raise UnknownNodeError(
            f"no entity {entity_id!r} in the graph",
            hint="check the id; merged entities answer under any member id",
        )
    return idx


def edge_id(view: View, e: int) -> str:
    return edges_json(view, [e])[0]["id"]


def _edge_token(src: str, dst: str, rel: str, key: str) -> str:
    raw = "\x1f".join((src, dst, rel, key))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_edge(view: View, token: str) -> int:
    """The edge index an edge id names, if it exists and the caller sees it."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        src, dst, rel, key = raw.split("\x1f")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise UnknownEdgeError(f"{token!r} is not an edge id") from None
    p = view.projection
    a, b = p.node_index.get(src), p.node_index.get(dst)
    rel_code, key_code = p.relations.index.get(rel), p.keys.index.get(key)
    if None in (a, b, rel_code, key_code):
        raise UnknownEdgeError("no such edge (it may have changed after a merge or import)")
    _frm, nbr, eid = p.incident(np.array([a], np.int64))
    for v, e in zip(nbr.tolist(), eid.tolist(), strict=True):
        if v == b and p.src[e] == a and p.rel[e] == rel_code and p.key[e] == key_code \
                and view.edge_ok[e]:  # fmt: skip
            return int(e)
    raise UnknownEdgeError("no such edge (it may have changed after a merge or import)")


def _label(view: View, idx: int) -> str | None:
    for key, label in view.projection.labels.get(idx, ()):
        if view.key_visible(key):
            return label
    return None


def nodes_json(view: View, nodes: list[int]) -> list[dict[str, Any]]:
    """Nodes as the API shows them (batch: one array gather per column)."""
    p = view.projection
    idx = np.asarray(nodes, np.int64)
    schemata, keys = p.node_schema[idx].tolist(), p.node_key[idx].tolist()
    visible: dict[int, list[str]] = {}
    out = []
    for i, schema, key in zip(idx.tolist(), schemata, keys, strict=True):
        codes = [key, *sorted(p.node_more_keys.get(i, ()))] if i in p.node_more_keys else [key]
        datasets: set[str] = set()
        for k in codes:
            if k >= 0:
                if k not in visible:
                    visible[k] = sorted(p.key_parts[k]) if view.key_visible(k) else []
                datasets.update(visible[k])
        seized = p.seizure_keys.get(i)
        out.append({"id": p.node_ids[i], "schema": p.schemata.names[schema],
                    "label": _label(view, i) if i in p.labels else None,
                    "datasets": sorted(datasets),
                    "seizures": sum(n for k, n in seized.items() if view.key_visible(k))
                    if seized else 0})  # fmt: skip
    return out


def node_json(view: View, idx: int) -> dict[str, Any]:
    return nodes_json(view, [idx])[0]


def _iso(ts: int) -> str | None:
    return None if ts == UNDATED else datetime.fromtimestamp(ts, UTC).isoformat()


def edges_json(view: View, edges: list[int]) -> list[dict[str, Any]]:
    """Edges as the API shows them (batch), each with its stable, decodable id."""
    p = view.projection
    e = np.asarray(edges, np.int64)
    ids, rels, keys = p.node_ids, p.relations.names, p.keys.names
    cols = zip(
        p.src[e].tolist(),
        p.dst[e].tolist(),
        p.rel[e].tolist(),
        p.key[e].tolist(),
        p.weight[e].tolist(),
        p.t_first[e].tolist(),
        p.t_last[e].tolist(),
        strict=True,
    )
    out = []
    for s, d, r, k, w, t0, t1 in cols:
        src, dst = ids[s], ids[d]
        out.append({"id": _edge_token(src, dst, rels[r], keys[k]), "source": src, "target": dst,
                    "relation": rels[r], "weight": w, "first": _iso(t0), "last": _iso(t1),
                    "datasets": sorted(p.key_parts[k])})  # fmt: skip
    return out


def edge_json(view: View, e: int) -> dict[str, Any]:
    return edges_json(view, [e])[0]


def subgraph_json(view: View, nodes: list[int], edges: list[int]) -> dict[str, Any]:
    return {"nodes": nodes_json(view, nodes), "edges": edges_json(view, edges),
            "version": view.projection.version}  # fmt: skip
