"""Subgraph analytics agree with NetworkX on the same graph (the benchmark's reference)."""

from __future__ import annotations

import networkx as nx
import numpy as np

from pasienis.graph.analytics import Local, pagerank


def _local(u: list[int], v: list[int], w: list[float], n: int) -> Local:
    return Local(np.arange(n), np.array(u, np.int64), np.array(v, np.int64), np.array(w, float),
                 np.arange(len(u)))  # fmt: skip


def test_pagerank_matches_networkx_with_parallel_edges_and_dangling_nodes() -> None:
    rng = np.random.default_rng(3)
    n = 60  # nodes 55..59 have no edges (dangling)
    pairs = [(int(a), int(b)) for a, b in rng.integers(0, 55, (300, 2)) if a < b]
    weights = rng.integers(1, 9, len(pairs)).astype(float).tolist()
    # grouped by u as local_subgraph delivers them, except the last few (overlay edges)
    order = sorted(range(len(pairs) - 5), key=lambda i: pairs[i][0]) + list(
        range(len(pairs) - 5, len(pairs))
    )
    u = [pairs[i][0] for i in order]
    v = [pairs[i][1] for i in order]
    w = [weights[i] for i in order]
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for a, b, x in zip(u, v, w, strict=True):  # parallel edges: weights summed
        g.add_edge(a, b, weight=g[a][b]["weight"] + x if g.has_edge(a, b) else x)
    ref = nx.pagerank(g, tol=1e-10, max_iter=1000)
    ours = pagerank(_local(u, v, w, n), tol=1e-10, max_iter=1000)
    assert len({(a, b) for a, b in pairs}) < len(pairs)  # the case is really there
    assert np.allclose(ours, [ref[i] for i in range(n)], atol=1e-9)
    assert abs(ours.sum() - 1) < 1e-12


def test_pagerank_of_an_empty_or_edgeless_subgraph() -> None:
    assert len(pagerank(_local([], [], [], 0))) == 0
    assert np.allclose(pagerank(_local([], [], [], 4)), 0.25)
