"""Compartments on the projection: which nodes and edges a set of dataset grants may see.

Applied during traversal: every walk gathers candidate edges and keeps only those whose
compartment key is visible and whose both ends are visible nodes, so a hidden node is never
reached, counted or used as a stepping stone. Masks are computed once per (projection
version, grant set) and cached, so a query costs a gather, not a pass over all edges.
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


def make_view(projection: Projection, datasets: frozenset[str]) -> View:
    """Compute the node and edge masks of ``datasets`` over ``projection``."""
    keys = key_mask(projection, datasets)
    node_ok = keys[projection.node_key]  # key -1 indexes the last slot, which is False
    for idx, more in projection.node_more_keys.items():
        if not node_ok[idx] and any(keys[k] for k in more):
            node_ok[idx] = True
    p = projection
    edge_ok = p.alive & keys[p.key] & node_ok[p.src] & node_ok[p.dst]
    return View(projection, datasets, node_ok, edge_ok)


class ViewCache:
    """A small LRU of views keyed by (version, grant set); cleared when the version moves."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._views: OrderedDict[tuple[int, frozenset[str]], View] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, projection: Projection, datasets: frozenset[str]) -> View:
        cache_key = (projection.version, frozenset(datasets))
        with self._lock:
            view = self._views.get(cache_key)
            if view is not None:
                self._views.move_to_end(cache_key)
                return view
        view = make_view(projection, frozenset(datasets))
        with self._lock:
            self._views[cache_key] = view
            while len(self._views) > self._size:
                self._views.popitem(last=False)
        return view

    def clear(self) -> None:
        with self._lock:
            self._views.clear()
