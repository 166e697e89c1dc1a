"""Query operations as the API and CLI call them: ids in, JSON-ready dicts out."""

from __future__ import annotations

from typing import Any

import numpy as np

from pasienis.graph import analytics, traverse
from pasienis.graph.filters import EdgeFilter
from pasienis.graph.service import edge_json, node_index, node_json, subgraph_json
from pasienis.graph.visibility import View


def _more(view: View, more: dict[int, int]) -> list[dict[str, Any]]:
    """The "N more" markers of capped supernodes."""
    p = view.projection
    return [{"node": p.node_ids[u], "more": n} for u, n in sorted(more.items()) if n > 0]


def expand(view: View, ids: list[str], *, depth: int, f: EdgeFilter, max_nodes: int,
           per_node: int) -> dict[str, Any]:  # fmt: skip
    seeds = [node_index(view, i) for i in ids]
    sg = traverse.expand(view, seeds, depth=depth, f=f, max_nodes=max_nodes, per_node=per_node)
    out = subgraph_json(view, sg.nodes, sg.edges)
    out.update(more=_more(view, sg.more), truncated=sg.truncated, complete=sg.complete)
    return out


def path(view: View, a: str, b: str, *, f: EdgeFilter, max_depth: int) -> dict[str, Any]:
    nodes, edges = traverse.shortest_path(view, node_index(view, a), node_index(view, b), f=f,
                                          max_depth=max_depth)  # fmt: skip
    out = subgraph_json(view, nodes, edges)
    out["length"] = len(edges)
    return out


def paths(view: View, a: str, b: str, *, f: EdgeFilter, k: int, limit: int) -> dict[str, Any]:
    found, cut = traverse.simple_paths(view, node_index(view, a), node_index(view, b), f=f, k=k,
                                       limit=limit)  # fmt: skip
    nodes = sorted({n for ns, _ in found for n in ns})
    return {
        "nodes": [node_json(view, n) for n in nodes],
        "paths": [{"nodes": [view.projection.node_ids[n] for n in ns],
                   "edges": [edge_json(view, e) for e in es]} for ns, es in found],
        "complete": not cut and len(found) < limit,
    }  # fmt: skip


def common(view: View, ids: list[str], *, f: EdgeFilter, at_least: int | None) -> dict[str, Any]:
    seeds = [node_index(view, i) for i in ids]
    found = traverse.common_neighbours(view, seeds, f=f, at_least=at_least)
    return {
        "common": [
            {"node": node_json(view, v), "shared_by": n, "edges": [edge_json(view, e) for e in es]}
            for v, n, es in found
        ]
    }


def component(view: View, entity: str, *, f: EdgeFilter, max_nodes: int) -> dict[str, Any]:
    sg = traverse.component(view, node_index(view, entity), f=f, max_nodes=max_nodes)
    out = subgraph_json(view, sg.nodes, sg.edges)
    out.update(truncated=sg.truncated, complete=sg.complete)
    return out


def subgraph_nodes(view: View, ids: list[str], *, depth: int, f: EdgeFilter, max_nodes: int,
                   per_node: int) -> list[int]:  # fmt: skip
    seeds = [node_index(view, i) for i in ids]
    if depth == 0:
        return seeds
    return traverse.expand(view, seeds, depth=depth, f=f, max_nodes=max_nodes,
                           per_node=per_node).nodes  # fmt: skip


def centrality(view: View, nodes: list[int], *, f: EdgeFilter, measures: list[str]) -> dict:
    local = analytics.local_subgraph(view, nodes, f)
    scores: dict[str, np.ndarray] = {}
    for m in measures:
        scores[m] = getattr(analytics, m)(local)
    p = view.projection
    return {"nodes": [{"id": p.node_ids[int(n)], **{m: float(s[i]) for m, s in scores.items()}}
                      for i, n in enumerate(local.nodes)], "edges": len(local.edges)}  # fmt: skip


def communities(
    view: View, nodes: list[int], *, f: EdgeFilter, resolution: float = 1.0
) -> dict[str, Any]:
    local = analytics.local_subgraph(view, nodes, f)
    labels = analytics.communities(local, resolution=resolution)
    groups: dict[int, list[str]] = {}
    for i, n in enumerate(local.nodes.tolist()):
        groups.setdefault(int(labels[i]), []).append(view.projection.node_ids[n])
    ordered = sorted(groups.values(), key=lambda g: (-len(g), g[0]))
    return {"communities": [{"id": i, "size": len(g), "members": sorted(g)}
                            for i, g in enumerate(ordered)]}  # fmt: skip


def community_of(view: View, entity: str, *, depth: int, f: EdgeFilter, max_nodes: int,
                 per_node: int, resolution: float = 1.0) -> dict[str, Any]:  # fmt: skip
    """The Louvain community of ``entity`` inside its ``depth``-hop neighbourhood."""
    nodes = subgraph_nodes(view, [entity], depth=depth, f=f, max_nodes=max_nodes,
                           per_node=per_node)  # fmt: skip
    found = communities(view, nodes, f=f, resolution=resolution)
    me = view.projection.node_ids[node_index(view, entity)]
    mine = next(c for c in found["communities"] if me in c["members"])
    return {
        "entity": me,
        "community": mine,
        "neighbourhood": len(nodes),
        "communities": len(found["communities"]),
    }
