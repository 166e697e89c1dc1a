"""The in-memory projection: nodes and aggregated edges as compact numpy arrays + CSR.

Why hand-made arrays rather than a graph library object: traversals with compartments and
filters applied *during* the walk are a few vectorised gathers on CSR arrays, and the arrays
take a fraction of a library graph's memory (docs/benchmarks.md). Libraries (networkit,
rustworkx) are used for analytics on extracted subgraphs.

Edges are undirected for traversal but keep their direction (``src`` → ``dst``). One edge is
one (source, target, relation, compartment key) aggregate; its evidence stays in the store.
Incremental updates append edges and mark replaced ones dead; ``compact()`` rebuilds the CSR
from the arrays in memory (never from the store) when the overlay grows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: ``t_first``/``t_last`` of an undated edge (FtM relation without dates).
UNDATED = np.iinfo(np.int64).min


class Codes:
    """A string ↔ small-integer table (schemata, relation types, compartment keys)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}

    def code(self, name: str) -> int:
        found = self.index.get(name)
        if found is None:
            found = self.index[name] = len(self.names)
            self.names.append(name)
        return found

    def codes(self, names: list[str]) -> np.ndarray:
        return np.fromiter((self.code(n) for n in names), dtype=np.int32, count=len(names))

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class EdgeBatch:
    """Edges to add, by node index: the unit both the full build and deltas use."""

    src: np.ndarray
    dst: np.ndarray
    rel: np.ndarray
    key: np.ndarray
    weight: np.ndarray
    t_first: np.ndarray
    t_last: np.ndarray

    @classmethod
    def empty(cls) -> EdgeBatch:
        i32, i64 = np.zeros(0, np.int32), np.zeros(0, np.int64)
        return cls(i32, i32, i32, i32, np.zeros(0, np.float32), i64, i64)

    def __len__(self) -> int:
        return len(self.src)


@dataclass
class Projection:
    """Nodes, edges and the adjacency of the live edges; ``version`` counts applied deltas."""

    node_ids: list[str] = field(default_factory=list)
    node_index: dict[str, int] = field(default_factory=dict)
    schemata: Codes = field(default_factory=Codes)
    relations: Codes = field(default_factory=Codes)
    keys: Codes = field(default_factory=Codes)
    node_schema: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    labels: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    #: One compartment key per node (-1: none yet) plus, for nodes seen in several datasets,
    #: the others; a node is visible when any of its keys is.
    node_key: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    node_more_keys: dict[int, set[int]] = field(default_factory=dict)
    #: Compartment key code → the datasets that must all be visible (shared-value edges
    #: between two datasets need both).
    key_parts: dict[int, frozenset[str]] = field(default_factory=dict)
    #: Seizures/violations per node and compartment key (a node property patterns test).
    seizure_keys: dict[int, dict[int, int]] = field(default_factory=dict)
    #: The resolver mapping the projection was built with (entity id → canonical id).
    canon: dict[str, str] = field(default_factory=dict)
    src: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    dst: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    rel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    key: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    weight: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    t_first: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    t_last: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    indptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    adj_nbr: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    adj_edge: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    #: Edges added since the last compaction, per node (index → edge indices).
    overlay: dict[int, list[int]] = field(default_factory=dict)
    overlay_edges: int = 0
    version: int = 0
    #: Compactions so far: edge indices change at each, so views are recomputed in full.
    epoch: int = 0
    #: (version, nodes whose compartment keys changed in that delta), the latest few: what
    #: lets a view be updated instead of recomputed (:mod:`pasienis.graph.visibility`).
    changes: list[tuple[int, np.ndarray]] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)

    # --- nodes ------------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return int(self.alive.sum())

    def add_nodes(self, ids: list[str], schemata: list[str]) -> np.ndarray:
        """Indices of ``ids``, adding the unknown ones (with their schema)."""
        out = np.empty(len(ids), np.int64)
        new_schema: list[int] = []
        for i, (node_id, schema) in enumerate(zip(ids, schemata, strict=True)):
            idx = self.node_index.get(node_id)
            if idx is None:
                idx = self.node_index[node_id] = len(self.node_ids)
                self.node_ids.append(node_id)
                new_schema.append(self.schemata.code(schema))
            out[i] = idx
        if new_schema:
            self.node_schema = np.concatenate([self.node_schema, np.array(new_schema, np.int32)])
            more = np.full(len(new_schema), -1, np.int32)
            self.node_key = np.concatenate([self.node_key, more])
            # New nodes have no CSR slice yet (their edges sit in the overlay until the next
            # compaction): keep len(indptr) == nodes + 1, which every slice read relies on.
            tail = np.full(len(new_schema), self.indptr[-1], np.int64)
            self.indptr = np.concatenate([self.indptr, tail])
        return out

    def members(self, canonical: str) -> list[str]:
        """Source entity ids folded into ``canonical`` (itself first)."""
        return [
            canonical,
            *sorted(e for e, c in self.canon.items() if c == canonical and e != canonical),
        ]

    def add_node_key(self, idx: int, key: int) -> None:
        """Record that node ``idx`` has statements (or events) under compartment ``key``."""
        self.touched.add(idx)
        current = int(self.node_key[idx])
        if current < 0:
            self.node_key[idx] = key
        elif current != key:
            self.node_more_keys.setdefault(idx, set()).add(key)

    def set_nodes_bulk(self, ids: list[str], schema_codes: np.ndarray) -> None:
        """Replace the node table at once (the full build and synthetic graphs)."""
        self.node_ids = list(ids)
        self.node_index = {n: i for i, n in enumerate(self.node_ids)}
        self.node_schema = np.asarray(schema_codes, np.int32)
        self.node_key = np.full(len(ids), -1, np.int32)
        self.node_more_keys = {}

    # --- edges ------------------------------------------------------------------------------
    def set_edges(self, batch: EdgeBatch) -> None:
        """Replace every edge and build the CSR (the full build)."""
        self.src, self.dst = batch.src.astype(np.int32), batch.dst.astype(np.int32)
        self.rel, self.key = batch.rel.astype(np.int16), batch.key.astype(np.int32)
        self.weight = batch.weight.astype(np.float32)
        self.t_first, self.t_last = batch.t_first, batch.t_last
        self.alive = np.ones(len(batch), bool)
        self.compact()

    def compact(self) -> None:
        """Drop dead edges and rebuild the undirected CSR from the arrays in memory."""
        keep = np.flatnonzero(self.alive)
        if len(keep) != len(self.alive):
            for name in ("src", "dst", "rel", "key", "weight", "t_first", "t_last"):
                setattr(self, name, getattr(self, name)[keep])
            self.alive = np.ones(len(keep), bool)
        n, m = self.n_nodes, len(self.src)
        ends = np.concatenate([self.src, self.dst])
        # Each node's slots heaviest first: a capped expansion of a supernode reads only the
        # head of its slice instead of all of it.
        order = np.lexsort((-np.concatenate([self.weight, self.weight]), ends))
        counts = np.bincount(ends, minlength=n)
        self.indptr = np.zeros(n + 1, np.int64)
        np.cumsum(counts, out=self.indptr[1:])
        other = np.concatenate([self.dst, self.src])
        self.adj_nbr = other[order].astype(np.int32)
        self.adj_edge = (order % max(m, 1)).astype(np.int32) if m else np.zeros(0, np.int32)
        self.overlay, self.overlay_edges = {}, 0
        self.epoch += 1

    def forget_node(self, idx: int) -> None:
        """Clear what a node was (keys, labels, seizures) before a delta re-declares it."""
        self.touched.add(idx)
        self.node_key[idx] = -1
        self.node_more_keys.pop(idx, None)
        self.labels.pop(idx, None)
        self.seizure_keys.pop(idx, None)

    def commit_change(self, keep: int = 64) -> None:
        """Close a delta: bump the version and log the nodes whose keys it touched."""
        self.version += 1
        self.changes.append((self.version, np.fromiter(self.touched, np.int64)))
        del self.changes[:-keep]
        self.touched = set()

    def kill_edges_of(self, nodes: np.ndarray) -> int:
        """Mark every live edge touching ``nodes`` dead (before their edges are re-added)."""
        if len(nodes) == 0 or len(self.src) == 0:
            return 0
        hit = np.isin(self.src, nodes) | np.isin(self.dst, nodes)
        hit &= self.alive
        self.alive[hit] = False
        return int(hit.sum())

    def append_edges(self, batch: EdgeBatch) -> None:
        """Add edges through the overlay (no CSR rebuild); compact when the overlay is big."""
        if not len(batch):
            return
        start = len(self.src)
        self.src = np.concatenate([self.src, batch.src.astype(np.int32)])
        self.dst = np.concatenate([self.dst, batch.dst.astype(np.int32)])
        self.rel = np.concatenate([self.rel, batch.rel.astype(np.int16)])
        self.key = np.concatenate([self.key, batch.key.astype(np.int32)])
        self.weight = np.concatenate([self.weight, batch.weight.astype(np.float32)])
        self.t_first = np.concatenate([self.t_first, batch.t_first])
        self.t_last = np.concatenate([self.t_last, batch.t_last])
        self.alive = np.concatenate([self.alive, np.ones(len(batch), bool)])
        for offset, (s, d) in enumerate(zip(batch.src.tolist(), batch.dst.tolist(), strict=True)):
            self.overlay.setdefault(s, []).append(start + offset)
            self.overlay.setdefault(d, []).append(start + offset)
        self.overlay_edges += len(batch)
        if self.overlay_edges > max(10_000, len(self.src) // 20):
            self.compact()

    def incident(
        self, nodes: np.ndarray, head: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(from node, neighbour, edge index) for every edge slot of ``nodes`` (dead ones too).

        One vectorised gather over the CSR (only the ``head`` heaviest slots of each node when
        given), plus the overlay's edges.
        """
        nodes = np.asarray(nodes, np.int64)
        nodes = nodes[nodes < len(self.indptr) - 1] if len(nodes) else nodes
        starts, ends = self.indptr[nodes], self.indptr[nodes + 1]
        lens = ends - starts if head is None else np.minimum(ends - starts, head)
        total = int(lens.sum())
        if total:
            offsets = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
            frm = np.repeat(nodes, lens)
            nbr, eid = self.adj_nbr[offsets], self.adj_edge[offsets]
        else:
            frm = nbr = eid = np.zeros(0, np.int64)
        if self.overlay:
            frm, nbr, eid = self._with_overlay(nodes, frm, nbr, eid)
        return frm.astype(np.int64), nbr.astype(np.int64), eid.astype(np.int64)

    def _with_overlay(
        self, nodes: np.ndarray, frm: np.ndarray, nbr: np.ndarray, eid: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        extra_f, extra_e = [], []
        for u in nodes.tolist():
            for e in self.overlay.get(u, ()):
                extra_f.append(u)
                extra_e.append(e)
        if not extra_e:
            return frm, nbr, eid
        ef, ee = np.array(extra_f, np.int64), np.array(extra_e, np.int64)
        en = np.where(self.src[ee] == ef, self.dst[ee], self.src[ee])
        return np.concatenate([frm, ef]), np.concatenate([nbr, en]), np.concatenate([eid, ee])

    def nbytes(self) -> int:
        """Bytes held by the numpy arrays (the id strings and dicts come on top)."""
        arrays = (self.node_schema, self.node_key, self.src, self.dst, self.rel, self.key,
                  self.weight, self.t_first, self.t_last, self.alive, self.indptr,
                  self.adj_nbr, self.adj_edge)  # fmt: skip
        return int(sum(a.nbytes for a in arrays))
