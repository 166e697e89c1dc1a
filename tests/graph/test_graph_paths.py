"""Shortest paths agree with NetworkX on the visible, filtered graph, however a BFS level is
cut into pieces (the walk stops at the first piece that meets the other side)."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pasienis.graph import EdgeFilter, NoPathError
from pasienis.graph.filters import keep
from pasienis.graph.projection import EdgeBatch, Projection
from pasienis.graph.traverse import shortest_path
from pasienis.graph.visibility import make_view

RELS = ("ownership", "drove", "associate")


def _projection(n: int, edges: list[tuple[int, int, int, int]], hidden: set[int]) -> Projection:
    """``n`` nodes; edges (u, v, relation, dataset 0/1); nodes in ``hidden`` are dataset 1's."""
    p = Projection()
    p.schemata.code("Person")
    for r in RELS:
        p.relations.code(r)
    keys = [p.keys.code("seen"), p.keys.code("secret")]
    p.key_parts[keys[0]], p.key_parts[keys[1]] = frozenset({"seen"}), frozenset({"secret"})
    p.set_nodes_bulk([f"n{i}" for i in range(n)], np.zeros(n, np.int32))
    p.node_key[:] = keys[0]
    for i in hidden:
        p.node_key[i] = keys[1]
    m = len(edges)
    col = np.array(edges, np.int64).reshape(m, 4)
    p.set_edges(EdgeBatch(col[:, 0], col[:, 1], col[:, 2].astype(np.int32),
                          np.array([keys[d] for d in col[:, 3]], np.int32), np.ones(m, np.float32),
                          np.zeros(m, np.int64), np.zeros(m, np.int64)))  # fmt: skip
    return p


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, int, int]], set[int]]:
    """A ring (long paths), a few random chords, and a supernode with spokes (levels whose
    pieces differ widely in size)."""
    n = draw(st.integers(2, 40))
    node = st.integers(0, n - 1)
    rel, dataset = st.integers(0, 2), st.sampled_from([0, 0, 0, 1])
    ring = [(i, (i + 1) % n, draw(rel), draw(dataset)) for i in range(n)]
    hub = draw(node)
    spokes = draw(st.lists(st.tuples(st.just(hub), node, rel, st.just(0)), max_size=20))
    chords = draw(st.lists(st.tuples(node, node, rel, dataset), max_size=8))
    edges = [(u, v, r, d) for u, v, r, d in ring + spokes + chords if u != v]
    hidden = draw(st.sets(node, max_size=3))
    return n, edges or [(0, 1, 0, 0)], hidden


@settings(max_examples=300, deadline=None)
@given(
    graphs(), st.integers(0, 39), st.integers(0, 39), st.booleans(), st.sampled_from([1, 3, 1024])
)
def test_shortest_path_is_as_short_as_networkx_and_uses_usable_edges(
    g: tuple[int, list[tuple[int, int, int, int]], set[int]], a: int, b: int, only_two: bool,
    first_piece: int,
) -> None:  # fmt: skip
    n, edges, hidden = g
    a, b = a % n, b % n
    view = make_view(_projection(n, edges, hidden), frozenset({"seen"}))
    f = EdgeFilter(relations=frozenset(RELS[:2])) if only_two else EdgeFilter()
    p = view.projection
    eids = np.arange(len(p.src), dtype=np.int64)
    usable = keep(view, f, p.dst.astype(np.int64), eids)
    ref = nx.Graph()
    ref.add_nodes_from(i for i in range(n) if view.node_ok[i])
    ref.add_edges_from((int(p.src[e]), int(p.dst[e])) for e in eids[usable])
    if not (view.node_ok[a] and view.node_ok[b]):
        return
    try:
        want = nx.shortest_path_length(ref, a, b)
    except nx.NetworkXNoPath:
        want = None
    try:
        nodes, path_edges = shortest_path(view, a, b, f=f, max_depth=n, first_piece=first_piece)
    except NoPathError:
        assert want is None
        return
    assert want is not None
    assert len(path_edges) == want
    assert nodes[0] == a
    assert nodes[-1] == b
    assert len(set(nodes)) == len(nodes)
    for x, y, e in zip(nodes[:-1], nodes[1:], path_edges, strict=True):
        assert usable[e]
        assert {int(p.src[e]), int(p.dst[e])} == {x, y}
