"""Traversals on the projection: expand, shortest path, simple paths, common neighbours,
component. Compartments and filters apply at every step (see :mod:`pasienis.graph.filters`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from pasienis.graph.errors import NoPathError, QueryLimitError
from pasienis.graph.filters import EdgeFilter, neighbours
from pasienis.graph.projection import Projection
from pasienis.graph.visibility import View


@dataclass
class Subgraph:
    """Node and edge indices of a result, plus what the caps left out."""

    nodes: list[int]
    edges: list[int]
    #: node index → its edges not shown because the node hit the per-node cap ("N more").
    more: dict[int, int] = field(default_factory=dict)
    truncated: int = 0  # nodes left out because ``max_nodes`` was reached
    complete: bool = True


def _cap_per_node(
    view: View, frm: np.ndarray, nbr: np.ndarray, eid: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, int]]:
    """Keep each node's ``cap`` heaviest edges; count the edges left out ("N more").

    Slots arrive grouped by node (one CSR slice each), so only the few nodes over the cap
    are touched, with an O(degree) partial selection rather than a sort of every slot.
    """
    if len(frm) == 0:
        return frm, nbr, eid, {}
    if np.any(frm[1:] < frm[:-1]):  # overlay edges come last: regroup
        order = np.argsort(frm, kind="stable")
        frm, nbr, eid = frm[order], nbr[order], eid[order]
    starts = np.flatnonzero(np.r_[True, frm[1:] != frm[:-1]])
    counts = np.diff(np.r_[starts, len(frm)])
    over = np.flatnonzero(counts > cap)
    if not len(over):
        return frm, nbr, eid, {}
    mask = np.ones(len(frm), bool)
    more: dict[int, int] = {}
    weight = view.projection.weight
    for g in over.tolist():
        s, c = int(starts[g]), int(counts[g])
        top = np.argpartition(-weight[eid[s : s + c]], cap - 1)[:cap]
        keep = np.zeros(c, bool)
        keep[top] = True
        mask[s : s + c] = keep
        # Edges, not distinct neighbours: counting those means hashing a supernode's whole
        # neighbourhood (tens of ms at 100k edges), on every query that touches it.
        more[int(frm[s])] = c - cap
    return frm[mask], nbr[mask], eid[mask], more


def _capped_neighbours(
    view: View, f: EdgeFilter, nodes: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, int]]:
    """Each node's ``cap`` heaviest usable edges, reading supernodes' slices only in part.

    Slices are sorted heaviest first, so when the first ``4 * cap`` slots of a node hold
    ``cap`` usable edges those are its heaviest; only nodes where filters rejected too many
    are read in full. "N more" is then exact for fully read nodes and, for the others, the
    slots not read plus the usable ones beyond the cap: an upper bound ("up to N more").
    """
    p = view.projection
    head = 4 * cap
    frm, nbr, eid = neighbours(view, f, nodes, head)
    degree = p.indptr[nodes + 1] - p.indptr[nodes]
    found = np.bincount(np.searchsorted(nodes, frm), minlength=len(nodes)) if len(frm) else \
        np.zeros(len(nodes), np.int64)  # fmt: skip
    short = nodes[(found < cap) & (degree > head)]
    if len(short):
        keep_head = ~np.isin(frm, short)
        rest = neighbours(view, f, short)
        frm, nbr, eid = (
            np.concatenate([a[keep_head], b]) for a, b in zip((frm, nbr, eid), rest, strict=True)
        )
    frm, nbr, eid, more = _cap_per_node(view, frm, nbr, eid, cap)
    full = set(short.tolist())
    for u, d in zip(nodes.tolist(), degree.tolist(), strict=True):
        if d > head and u not in full:
            more[u] = more.get(u, 0) + d - head
    return frm, nbr, eid, more


def expand(
    view: View, seeds: list[int], *, depth: int, f: EdgeFilter, max_nodes: int, per_node: int,
) -> Subgraph:  # fmt: skip
    """Breadth-first neighbourhood of ``seeds`` up to ``depth`` hops, heaviest edges first."""
    if not 1 <= depth <= 4:
        raise QueryLimitError("depth must be between 1 and 4", hint="expand again from a node")
    included = dict.fromkeys(seeds)
    edges: set[int] = set()
    frontier = np.array(seeds, np.int64)
    result = Subgraph([], [])
    for _ in range(depth):
        _frm, nbr, eid, more = _capped_neighbours(view, f, np.unique(frontier), per_node)
        result.more.update(more)
        fresh = [int(v) for v in nbr[np.argsort(-view.projection.weight[eid], kind="stable")]
                 if int(v) not in included]  # fmt: skip
        fresh = list(dict.fromkeys(fresh))
        room = max_nodes - len(included)
        if len(fresh) > room:
            result.truncated += len(fresh) - room
            result.complete = False
            fresh = fresh[: max(room, 0)]
        included.update(dict.fromkeys(fresh))
        edges.update(int(e) for e, v in zip(eid.tolist(), nbr.tolist(), strict=True)
                     if v in included)  # fmt: skip
        frontier = np.array(fresh, np.int64)
        if not len(frontier):
            break
    result.nodes, result.edges = list(included), sorted(edges)
    result.complete = result.complete and not result.more
    return result


_scratch = threading.local()


def _parents(n: int) -> list[np.ndarray]:
    """Two parent arrays of size ``n`` filled with -2, reused per thread (a 1M-node graph
    would otherwise allocate and fill 16 MB per query); callers reset what they touched."""
    arrays = getattr(_scratch, "parents", None)
    if arrays is None or len(arrays[0]) != n:
        arrays = [np.full(n, -2, np.int64), np.full(n, -2, np.int64)]
        _scratch.parents = arrays
    return arrays


#: Edge slots gathered in the first piece of a BFS level; each next piece of the same level
#: is twice as large (:func:`_pieces`).
FIRST_PIECE_SLOTS = 1024


def _pieces(p: Projection, front: np.ndarray, first: int) -> Iterator[np.ndarray]:
    """``front`` cut into runs of nodes whose edge slots add up to ``first``, then twice as
    many, and so on (a node is never split): a level can stop at its first meeting node
    after a few thousand slots instead of gathering a supernode neighbourhood's every edge.
    """
    cum = np.cumsum(p.indptr[front + 1] - p.indptr[front])
    start, budget = 0, first
    while start < len(front):
        base = int(cum[start - 1]) if start else 0
        stop = max(int(np.searchsorted(cum, base + budget, side="right")), start + 1)
        yield front[start:stop]
        start, budget = stop, budget * 2


def _meet(
    view: View, f: EdgeFilter, a: int, b: int, max_depth: int, first: int = FIRST_PIECE_SLOTS
) -> tuple[int, tuple[list[int], list[int]], tuple[list[int], list[int]]]:
    """Bidirectional BFS, expanding the side whose frontier has fewer edge slots; returns the
    meeting node and the walks from it back to ``a`` and to ``b``.

    A level is gathered in growing pieces (:func:`_pieces`) and the walk stops at the first
    piece that reaches the other side. Any meeting node found while expanding a level gives
    a shortest path: every node the other side has reached but this level's frontier has not
    lies on the other side's last level, so all meetings of one level are equally far.
    """
    p = view.projection
    parent = _parents(p.n_nodes)
    touched: list[np.ndarray] = [np.array([a, b], np.int64)]
    parent[0][a], parent[1][b] = -1, -1
    fronts = [np.array([a], np.int64), np.array([b], np.int64)]
    try:
        for _ in range(max_depth):
            slots = [int((p.indptr[x + 1] - p.indptr[x]).sum()) for x in fronts]
            side = 0 if slots[0] <= slots[1] else 1
            reached: list[np.ndarray] = []
            for piece in _pieces(p, fronts[side], first):
                _frm, nbr, eid = neighbours(view, f, piece)
                fresh = parent[side][nbr] == -2
                nbr, eid = nbr[fresh], eid[fresh]
                parent[side][nbr] = eid  # one of the duplicate slots wins; no sort needed
                nbr = nbr[parent[side][nbr] == eid]
                touched.append(nbr)
                hit = nbr[parent[1 - side][nbr] != -2]
                if len(hit):  # walk back now, before the scratch arrays are reset
                    meet = int(hit[0])
                    return meet, _walk(view, parent[0], meet), _walk(view, parent[1], meet)
                reached.append(nbr)
            fronts[side] = np.concatenate(reached) if reached else np.zeros(0, np.int64)
            if not len(fronts[side]):
                break
    finally:
        for t in touched:
            parent[0][t] = -2
            parent[1][t] = -2
    raise NoPathError("no path between the two entities within the filters and depth",
                      hint="widen the filters, raise max_depth, or check the grants")  # fmt: skip


def _walk(view: View, parent: np.ndarray, node: int) -> tuple[list[int], list[int]]:
    p = view.projection
    nodes, edges = [node], []
    while parent[node] >= 0:
        e = int(parent[node])
        node = int(p.src[e]) if int(p.dst[e]) == node else int(p.dst[e])
        nodes.append(node)
        edges.append(e)
    return nodes, edges


def shortest_path(
    view: View, a: int, b: int, *, f: EdgeFilter, max_depth: int = 8,
    first_piece: int = FIRST_PIECE_SLOTS,
) -> tuple[list[int], list[int]]:  # fmt: skip
    """Node and edge indices of one shortest (fewest hops) path from ``a`` to ``b``
    (``first_piece``: the slots of a level's first piece, see :func:`_meet`)."""
    if a == b:
        return [a], []
    _meet_node, (left_nodes, left_edges), (right_nodes, right_edges) = _meet(
        view, f, a, b, max_depth, first_piece
    )
    return left_nodes[::-1] + right_nodes[1:], left_edges[::-1] + right_edges


def simple_paths(
    view: View, a: int, b: int, *, f: EdgeFilter, k: int, limit: int = 50, budget: int = 200_000
) -> tuple[list[tuple[list[int], list[int]]], bool]:
    """All simple paths of at most ``k`` edges (up to ``limit``); ``True`` if cut short."""
    if not 1 <= k <= 6:
        raise QueryLimitError("path length k must be between 1 and 6")
    cache: dict[int, list[tuple[int, int]]] = {}

    def nbrs(u: int) -> list[tuple[int, int]]:
        if u not in cache:
            _frm, nbr, eid = neighbours(view, f, np.array([u], np.int64))
            cache[u] = list(zip(nbr.tolist(), eid.tolist(), strict=True))
        return cache[u]

    found: list[tuple[list[int], list[int]]] = []
    stack: list[tuple[list[int], list[int]]] = [([a], [])]
    steps = 0
    while stack and len(found) < limit and steps < budget:
        nodes, edges = stack.pop()
        steps += 1
        for v, e in nbrs(nodes[-1]):
            if v == b:
                found.append(([*nodes, v], [*edges, e]))
            elif v not in nodes and len(edges) + 1 < k:
                stack.append(([*nodes, v], [*edges, e]))
    return found, bool(stack)


def common_neighbours(
    view: View, seeds: list[int], *, f: EdgeFilter, at_least: int | None = None
) -> list[tuple[int, int, list[int]]]:
    """Nodes adjacent to at least ``at_least`` (default: all) seeds: (node, count, edges)."""
    need = len(seeds) if at_least is None else at_least
    frm, nbr, eid = neighbours(view, f, np.array(seeds, np.int64))
    seed_set = set(seeds)
    touching: dict[int, tuple[set[int], list[int]]] = {}
    for u, v, e in zip(frm.tolist(), nbr.tolist(), eid.tolist(), strict=True):
        if v in seed_set:
            continue
        who, es = touching.setdefault(v, (set(), []))
        who.add(u)
        es.append(e)
    out = [(v, len(who), es) for v, (who, es) in touching.items() if len(who) >= need]
    return sorted(out, key=lambda t: (-t[1], t[0]))


def component(view: View, seed: int, *, f: EdgeFilter, max_nodes: int) -> Subgraph:
    """The connected component of ``seed`` (stopping at ``max_nodes``, then not complete)."""
    seen = {seed}
    frontier = np.array([seed], np.int64)
    edges: set[int] = set()
    truncated = 0
    while len(frontier):
        _frm, nbr, eid = neighbours(view, f, frontier)
        new = [v for v in dict.fromkeys(nbr.tolist()) if v not in seen]
        room = max_nodes - len(seen)
        if len(new) > room:
            truncated += len(new) - room
            new = new[:room]
        seen.update(new)
        edges.update(e for e, v in zip(eid.tolist(), nbr.tolist(), strict=True) if v in seen)
        frontier = np.array(new, np.int64) if not truncated else np.zeros(0, np.int64)
    return Subgraph(list(seen), sorted(edges), truncated=truncated, complete=truncated == 0)
