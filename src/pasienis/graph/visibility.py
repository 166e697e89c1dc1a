"""Compartments on the projection: which nodes and edges a set of dataset grants may see.

Applied during traversal: every walk gathers candidate edges and keeps only those whose
compartment key is visible and whose both ends are visible nodes, so a hidden node is never
reached, counted or used as a stepping stone. Masks are computed once per grant set and
kept; after a delta they are updated for what it changed, so a query costs a gather, not a
pass over all edges (not even the first query after an import).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from pasienis.graph.projection import Projection


@dataclass(frozen=True)
class View:
    """What one grant set sees of one projection version."""

    projection: Projection
    datasets: frozenset[str]
    node_ok: np.ndarray
    edge_ok: np.ndarray
    version: int = -1
    epoch: int = -1

    def visible(self, idx: int) -> bool:
        return 0 <= idx < len(self.node_ok) and bool(self.node_ok[idx])

    def key_visible(self, key: int) -> bool:
        parts = self.projection.key_parts.get(key)
        return parts is not None and parts <= self.datasets


def key_mask(projection: Projection, datasets: frozenset[str]) -> np.ndarray:
    """Visible compartment keys: a key needs every dataset it is made of."""
    n = len(projection.keys)
    mask = np.zeros(n + 1, bool)  # the extra slot is key -1 (nothing recorded): invisible
    for code, parts in projection.key_parts.items():
        mask[code] = parts <= datasets
    return mask


def _nodes_ok(p: Projection, keys: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Visibility of nodes ``idx``: any of their compartment keys visible."""
    ok = keys[p.node_key[idx]]  # key -1 indexes the last slot, which is False
    for pos in np.flatnonzero(~ok).tolist():
        more = p.node_more_keys.get(int(idx[pos]))
        if more and any(keys[k] for k in more):
            ok[pos] = True
    return ok


def _edges_ok(p: Projection, keys: np.ndarray, node_ok: np.ndarray, e: np.ndarray) -> np.ndarray:
    return p.alive[e] & keys[p.key[e]] & node_ok[p.src[e]] & node_ok[p.dst[e]]


def make_view(projection: Projection, datasets: frozenset[str]) -> View:
    """Compute the node and edge masks of ``datasets`` over ``projection``."""
    p = projection
    keys = key_mask(p, datasets)
    node_ok = keys[p.node_key]
    for idx, more in p.node_more_keys.items():
        if not node_ok[idx] and any(keys[k] for k in more):
            node_ok[idx] = True
    edge_ok = p.alive & keys[p.key] & node_ok[p.src] & node_ok[p.dst]
    return View(p, datasets, node_ok, edge_ok, p.version, p.epoch)


def update_view(old: View, projection: Projection) -> View | None:
    """``old`` brought to the projection's version by what the deltas since changed, or None
    when that is not known (a compaction renumbered the edges, or the log is too short).

    A delta kills every edge of the nodes it re-declares and appends their new edges, so
    only those nodes, their edges and the appended edges need their masks recomputed; the
    rest is ``old`` and-ed with the live-edge mask. The same masks as :func:`make_view`
    (tested), for a few milliseconds instead of a pass over all edges.
    """
    p = projection
    if old.epoch != p.epoch or old.version > p.version:
        return None
    logged = [nodes for version, nodes in p.changes if version > old.version]
    if len(logged) != p.version - old.version:
        return None
    keys = key_mask(p, old.datasets)
    n_old, m_old = len(old.node_ok), len(old.edge_ok)
    touched = np.unique(np.concatenate([*logged, np.zeros(0, np.int64)]))
    touched = touched[touched < n_old]
    node_ok = np.empty(p.n_nodes, bool)
    node_ok[:n_old] = old.node_ok
    node_ok[n_old:] = _nodes_ok(p, keys, np.arange(n_old, p.n_nodes))
    node_ok[touched] = _nodes_ok(p, keys, touched)
    edge_ok = np.empty(len(p.src), bool)
    np.logical_and(old.edge_ok, p.alive[:m_old], out=edge_ok[:m_old])
    edge_ok[m_old:] = _edges_ok(p, keys, node_ok, np.arange(m_old, len(p.src)))
    # A delta kills every edge of the nodes it re-declares, so this finds live edges only if
    # a node's keys changed otherwise; cheap, and it keeps the masks exact regardless.
    flipped = touched[node_ok[touched] != old.node_ok[touched]]
    if len(flipped):
        _frm, _nbr, eid = p.incident(flipped)
        edge_ok[eid] = _edges_ok(p, keys, node_ok, eid)
    return View(p, old.datasets, node_ok, edge_ok, p.version, p.epoch)


class ViewCache:
    """The latest view of each recent grant set (LRU), brought up to date incrementally when
    the projection's version moves (:func:`update_view`)."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._views: OrderedDict[frozenset[str], View] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, projection: Projection, datasets: frozenset[str]) -> View:
        cache_key = frozenset(datasets)
        with self._lock:
            view = self._views.get(cache_key)
            if view is not None:
                self._views.move_to_end(cache_key)
        if view is not None and view.projection is projection and \
                (view.version, view.epoch) == (projection.version, projection.epoch):  # fmt: skip
            return view
        fresh = update_view(view, projection) if view is not None and \
            view.projection is projection else None  # fmt: skip
        view = fresh or make_view(projection, cache_key)
        with self._lock:
            self._views[cache_key] = view
            while len(self._views) > self._size:
                self._views.popitem(last=False)
        return view

    def clear(self) -> None:
        with self._lock:
            self._views.clear()
