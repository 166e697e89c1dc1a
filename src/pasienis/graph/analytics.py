"""Centrality and communities on a subgraph extracted from the projection.

Libraries chosen by measurement (bench/bench_graph.py, docs/benchmarks.md): networkit's PLM
(Louvain) and Betweenness (exact, C++); PageRank as a scipy.sparse power iteration on the
subgraph's arrays; rustworkx was measured for betweenness too. networkx is used only as
the reference in benchmarks. The subgraph carries only visible, filtered edges, so a hidden
node never shapes a score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pasienis.graph.errors import QueryLimitError
from pasienis.graph.filters import EdgeFilter, neighbours
from pasienis.graph.visibility import View

#: Largest subgraph exact betweenness runs on inside a request.
MAX_BETWEENNESS_NODES = 20_000


@dataclass
class Local:
    """A subgraph with local indices 0..n-1: ``nodes[i]`` is the projection index."""

    nodes: np.ndarray
    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    edges: np.ndarray


def local_subgraph(view: View, nodes: list[int], f: EdgeFilter) -> Local:
    """The usable edges among ``nodes`` (parallel edges kept; weights summed by libraries)."""
    arr = np.unique(np.array(nodes, np.int64))
    frm, nbr, eid = neighbours(view, f, arr)
    inside = np.isin(nbr, arr) & (frm < nbr)  # each undirected edge once
    frm, nbr, eid = frm[inside], nbr[inside], eid[inside]
    pos = np.searchsorted(arr, frm), np.searchsorted(arr, nbr)
    return Local(arr, pos[0], pos[1], view.projection.weight[eid].astype(float), eid)


def to_networkit(local: Local, *, weighted: bool = True):
    """A networkit graph with parallel edges folded into one (weights summed)."""
    import networkit as nk

    n = len(local.nodes)
    key = local.u * max(n, 1) + local.v
    uniq, inverse = np.unique(key, return_inverse=True)
    w = np.bincount(inverse, weights=local.w, minlength=len(uniq)) if weighted else \
        np.ones(len(uniq))  # fmt: skip
    w = np.ascontiguousarray(
        w, dtype=np.float64
    )  # networkit takes float64 (an empty bincount is int)
    u, v = (uniq // max(n, 1)).astype(np.int64), (uniq % max(n, 1)).astype(np.int64)
    return nk.GraphFromCoo((w, (u, v)), n, directed=False, weighted=weighted)


def _one_thread() -> None:
    """networkit's OpenMP threads spin-wait: on a shared or busy machine (and in a server
    whose request threads already use the cores) two threads ran PLM 18x slower than one
    (measured: 2.35 s vs 0.13 s on a 5k-node subgraph). One thread, also for determinism."""
    import networkit as nk

    nk.setNumberOfThreads(1)


def degree(local: Local) -> np.ndarray:
    """Number of distinct neighbours of each node inside the subgraph."""
    pairs = np.unique(np.stack([local.u, local.v], axis=1), axis=0) if len(local.u) else \
        np.zeros((0, 2), np.int64)  # fmt: skip
    return np.bincount(pairs.ravel(), minlength=len(local.nodes)).astype(float)


def pagerank(
    local: Local, *, damping: float = 0.85, tol: float = 1e-6, max_iter: int = 100
) -> np.ndarray:
    """Weighted PageRank (parallel edges' weights summed) by power iteration.

    NetworkX's definition and stopping rule (dangling nodes spread uniformly; stop when the
    L1 change is below ``n * tol``, its default 1e-6). The graph is undirected, so the
    adjacency A is symmetric and the transposed transition is ``A · D⁻¹``: a step is
    ``A @ (x / degree)``, with A applied as ``U + Uᵀ`` for the CSR matrix U of the edges
    (u < v) as they come, grouped by u — no transpose, no sort, no duplicate summing (those
    were half of a run with scipy's COO conversion). Measured faster than networkit, whose
    graph construction from arrays dominates on subgraphs (docs/benchmarks.md).
    """
    from scipy import sparse

    n = len(local.nodes)
    if n == 0:
        return np.zeros(0)
    u, v, w = local.u, local.v, local.w.astype(np.float64)
    if len(u) and np.any(u[1:] < u[:-1]):  # overlay edges come last: regroup
        order = np.argsort(u, kind="stable")
        u, v, w = u[order], v[order], w[order]
    degree = np.bincount(u, weights=w, minlength=n) + np.bincount(v, weights=w, minlength=n)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    upper = sparse.csr_array((w, v, indptr), shape=(n, n))
    lower = upper.T  # a CSC view of the same arrays
    dangling = degree == 0
    scale = np.divide(1.0, degree, out=np.zeros(n), where=~dangling)
    x = np.full(n, 1.0 / n)
    teleport = (1 - damping) / n
    for _ in range(max_iter):
        prev = x
        z = x * scale
        x = damping * (upper @ z + lower @ z + x[dangling].sum() / n) + teleport
        if np.abs(x - prev).sum() < n * tol:
            break
    return x / x.sum()


def betweenness(local: Local) -> np.ndarray:
    """Exact normalised betweenness (unweighted: hops, as analysts read a chart)."""
    import networkit as nk

    if len(local.nodes) > MAX_BETWEENNESS_NODES:
        raise QueryLimitError(
            f"betweenness on {len(local.nodes)} nodes is above the limit of "
            f"{MAX_BETWEENNESS_NODES}",
            hint="narrow the subgraph (filters, fewer hops)",
        )
    _one_thread()
    g = to_networkit(local, weighted=False)
    bc = nk.centrality.Betweenness(g, normalized=True)
    bc.run()
    return np.array(bc.scores())


def communities(local: Local, *, seed: int = 7, resolution: float = 1.0) -> np.ndarray:
    """Louvain (networkit PLM with refinement) community label of each node; deterministic.

    ``resolution`` below 1 favours larger communities: a network of people around shared
    vehicles and shells is a sparse, star-like graph that modularity at 1 cuts into stars.
    """
    import networkit as nk

    if not len(local.nodes):
        return np.zeros(0, np.int64)
    nk.setSeed(seed, False)
    _one_thread()  # PLM is only deterministic on one thread
    g = to_networkit(local)
    plm = nk.community.PLM(g, refine=True, gamma=resolution)
    plm.run()
    return np.array(plm.getPartition().getVector(), np.int64)
