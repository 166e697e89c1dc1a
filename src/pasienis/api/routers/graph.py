"""The graph API: expand, paths, common neighbours, networks, centrality, co-travel,
evidence, exports and saved patterns. Every answer reads through the caller's dataset grants
(a :class:`~pasienis.graph.visibility.View`), and every query is audited.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from pasienis.api.deps import AuditorDep, Principal, Role, require, visible_datasets
from pasienis.graph import GraphService, queries
from pasienis.graph.analytics import local_subgraph
from pasienis.graph.cotravel_run import stored_pairs
from pasienis.graph.evidence import edge_evidence
from pasienis.graph.export import MEDIA_TYPES, SUFFIXES, EntityLoader, export
from pasienis.graph.patterns import (
    delete_pattern,
    get_pattern,
    list_patterns,
    run_saved,
    save_pattern,  # fmt: skip
)
from pasienis.graph.schemas import (
    CommonRequest,
    ExpandRequest,
    ExportRequest,
    Filters,
    PatternSave,  # fmt: skip
    SubgraphRequest,
)
from pasienis.graph.service import decode_edge, edge_json, subgraph_json

router = APIRouter(prefix="/api/graph", tags=["graph"])
# Graph nodes and edges are personal data: analysts only, through their dataset grants.
Analyst = Annotated[Principal, Depends(require(Role.analyst))]


def service(request: Request) -> GraphService:
    """The app's graph service (one projection per process, built on first use)."""
    state = request.app.state
    if getattr(state, "graph", None) is None:
        s = state.settings
        state.graph = GraphService(state.store, shared_cap=s.graph_shared_value_max,
                                   refresh_interval=s.graph_refresh_interval_s)  # fmt: skip
    return state.graph


async def _filters(  # async: pure, so no worker-thread hop for it
    schema: Annotated[list[str] | None, Query()] = None,
    relation: Annotated[list[str] | None, Query()] = None,
    since: str | None = None, until: str | None = None,
    min_weight: Annotated[float, Query(ge=0)] = 0.0,
) -> Filters:  # fmt: skip
    return Filters.model_validate(
        {
            "schemata": schema or [],
            "relations": relation or [],
            "since": since,
            "until": until,
            "min_weight": min_weight,
        }
    )


FiltersDep = Annotated[Filters, Depends(_filters)]


def _json(out: Any) -> Response:
    """The answer encoded by orjson. Why not FastAPI's default: ``jsonable_encoder`` walks
    every value in Python and took 16 ms of a 200-node chart (orjson: 0.04 ms), most of the
    API's latency above the query itself (docs/benchmarks.md). Results are plain dicts,
    lists, str, int, float and None (numpy values converted by ``tolist``)."""
    return Response(orjson.dumps(out), media_type="application/json")


@router.post("/expand")
def expand(request: Request, body: ExpandRequest, who: Analyst, audit: AuditorDep) -> Response:
    """Neighbourhood of entities (capped per node with "N more" markers and in total)."""
    with service(request).view(visible_datasets(who)) as view:
        out = queries.expand(view, body.ids, depth=body.depth, f=body.to_filter(),
                             max_nodes=body.max_nodes, per_node=body.per_node)  # fmt: skip
    audit.record("graph.expand", entity_ids=body.ids, query=body.model_dump(mode="json"),
                 detail={"nodes": len(out["nodes"])})  # fmt: skip
    return _json(out)


@router.get("/path")
def path(request: Request, source: str, target: str, who: Analyst, audit: AuditorDep,
         f: FiltersDep, max_depth: Annotated[int, Query(ge=1, le=12)] = 8) -> Response:  # fmt: skip
    """One shortest path (fewest hops, bidirectional BFS); 404 when not connected."""
    audit.record("graph.path", entity_ids=[source, target])
    with service(request).view(visible_datasets(who)) as view:
        out = queries.path(view, source, target, f=f.to_filter(), max_depth=max_depth)
    return _json(out)


@router.get("/paths")
def paths(request: Request, source: str, target: str, who: Analyst, audit: AuditorDep,
          f: FiltersDep, k: Annotated[int, Query(ge=1, le=6)] = 3,
          limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Response:  # fmt: skip
    """All simple paths of at most ``k`` edges (up to ``limit``)."""
    audit.record("graph.paths", entity_ids=[source, target], query={"k": k})
    with service(request).view(visible_datasets(who)) as view:
        out = queries.paths(view, source, target, f=f.to_filter(), k=k, limit=limit)
    return _json(out)


@router.post("/common")
def common(request: Request, body: CommonRequest, who: Analyst, audit: AuditorDep) -> Response:
    """Neighbours shared by the given entities (all of them, or ``at_least``)."""
    audit.record("graph.common", entity_ids=body.ids)
    with service(request).view(visible_datasets(who)) as view:
        out = queries.common(view, body.ids, f=body.to_filter(), at_least=body.at_least)
    return _json(out)


@router.get("/component/{entity_id}")
def component(request: Request, entity_id: str, who: Analyst, audit: AuditorDep, f: FiltersDep,
              max_nodes: Annotated[int, Query(ge=1, le=20000)] = 2000) -> Response:  # fmt: skip
    """The connected component around an entity (``complete`` false when capped)."""
    audit.record("graph.component", entity_ids=[entity_id])
    with service(request).view(visible_datasets(who)) as view:
        out = queries.component(view, entity_id, f=f.to_filter(), max_nodes=max_nodes)
    return _json(out)


@router.get("/community/{entity_id}")
def community(request: Request, entity_id: str, who: Analyst, audit: AuditorDep, f: FiltersDep,
              depth: Annotated[int, Query(ge=1, le=4)] = 2,
              max_nodes: Annotated[int, Query(ge=1, le=20000)] = 2000,
              resolution: Annotated[float, Query(gt=0, le=10)] = 1.0) -> Response:  # fmt: skip
    """The Louvain community of an entity within its neighbourhood (``resolution`` < 1:
    larger communities; 0.02 recovered the scenario's networks, docs/graph.md)."""
    audit.record("graph.community", entity_ids=[entity_id])
    with service(request).view(visible_datasets(who)) as view:
        out = queries.community_of(view, entity_id, depth=depth, f=f.to_filter(),
                                   max_nodes=max_nodes, per_node=1000,
                                   resolution=resolution)  # fmt: skip
    return _json(out)


def _subgraph(view: Any, body: SubgraphRequest) -> list[int]:
    return queries.subgraph_nodes(view, body.ids, depth=body.depth, f=body.to_filter(),
                                  max_nodes=body.max_nodes, per_node=body.per_node)  # fmt: skip


@router.post("/centrality")
def centrality(request: Request, body: SubgraphRequest, who: Analyst,
               audit: AuditorDep) -> Response:  # fmt: skip
    """Degree, betweenness and PageRank inside a subgraph."""
    audit.record("graph.centrality", entity_ids=body.ids)
    with service(request).view(visible_datasets(who)) as view:
        out = queries.centrality(view, _subgraph(view, body), f=body.to_filter(),
                                 measures=body.measures)  # fmt: skip
    return _json(out)


@router.post("/communities")
def communities(request: Request, body: SubgraphRequest, who: Analyst,
                audit: AuditorDep) -> Response:  # fmt: skip
    """Louvain communities of a subgraph."""
    audit.record("graph.communities", entity_ids=body.ids)
    with service(request).view(visible_datasets(who)) as view:
        out = queries.communities(view, _subgraph(view, body), f=body.to_filter())
    return _json(out)


@router.get("/edges/{edge_id}/evidence")
def evidence(request: Request, edge_id: str, who: Analyst, audit: AuditorDep,
             limit: Annotated[int, Query(ge=1, le=10000)] = 1000) -> Response:  # fmt: skip
    """The statements, events or plate reads behind an edge (visible datasets only)."""
    svc = service(request)
    with svc.view(visible_datasets(who)) as view, request.app.state.store.read() as conn:
        e = decode_edge(view, edge_id)
        edge = edge_json(view, e)
        rows = edge_evidence(conn, view, e, shared_cap=svc.shared_cap, limit=limit)
    audit.record("graph.evidence", entity_ids=[edge["source"], edge["target"]],
                 detail={"edge": edge_id, "rows": len(rows)})  # fmt: skip
    return _json({"edge": edge, "evidence": rows})


@router.post("/export")
def export_subgraph(request: Request, body: ExportRequest, who: Analyst,
                    audit: AuditorDep) -> Response:  # fmt: skip
    """Download a subgraph as GEXF, GraphML, FtM JSON lines, CSV (zip) or i2 ANX."""
    from pasienis.model import load_entity

    datasets = visible_datasets(who)
    with service(request).view(datasets) as view:
        if body.depth == 0:  # exactly these nodes and the edges among them (a chart as shown)
            local = local_subgraph(view, [queries.node_index(view, i) for i in body.ids],
                                   body.to_filter())  # fmt: skip
            sg = subgraph_json(view, local.nodes.tolist(), local.edges.tolist())
        else:
            sg = queries.expand(view, body.ids, depth=body.depth, f=body.to_filter(),
                                max_nodes=body.max_nodes, per_node=body.per_node)  # fmt: skip
    with request.app.state.store.read() as conn:
        loader = EntityLoader(partial(load_entity, conn, datasets=datasets))
        data = export(body.format, sg["nodes"], sg["edges"], loader)
    audit.record("graph.export", entity_ids=[n["id"] for n in sg["nodes"]],
                 detail={"format": body.format, "edges": len(sg["edges"]),
                         "summarised": loader.summarised})  # fmt: skip
    headers = {"Content-Disposition": f'attachment; filename="graph.{SUFFIXES[body.format]}"'}
    if body.format == "ftm":
        # Nodes without visible statements (plates only seen by cameras, event-only nodes)
        # are written from the graph's summary, not as full entities: say how many.
        headers["X-Pasienis-Summarised-Nodes"] = str(len(loader.summarised))
    return Response(data, media_type=MEDIA_TYPES[body.format], headers=headers)


@router.get("/cotravel")
def cotravel(
    request: Request,
    who: Analyst,
    audit: AuditorDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Ranked co-travelling pairs (leader → follower) with supporting read ids."""
    rows = stored_pairs(request.app.state.store, datasets=visible_datasets(who), limit=limit)
    audit.record("graph.cotravel", detail={"pairs": len(rows)})
    return rows


@router.get("/patterns")
def patterns(request: Request, who: Analyst) -> list[dict[str, Any]]:
    """Saved patterns the caller's grants cover."""
    return list_patterns(request.app.state.store, datasets=visible_datasets(who))


@router.put("/patterns/{name}")
def put_pattern(request: Request, name: str, body: PatternSave, who: Analyst) -> dict[str, Any]:
    """Save (or replace) a pattern; a syntax error answers 422 with the position."""
    return save_pattern(
        request.app.state.store,
        name=name,
        query=body.query,
        every_s=body.every_s,
        owner=who.name,
        datasets=visible_datasets(who),
    )


@router.post("/patterns/{name}/run")
def run_pattern(request: Request, name: str, who: Analyst, audit: AuditorDep) -> dict[str, Any]:
    """Rerun a saved pattern now; new matches are published as ``graph.pattern.matched``."""
    out = run_saved(service(request), name, datasets=visible_datasets(who))
    audit.record("graph.pattern.run", query=name, detail={"matches": len(out["matches"])})
    return out


@router.delete("/patterns/{name}", status_code=204)
def remove_pattern(request: Request, name: str, who: Analyst) -> Response:
    get_pattern(request.app.state.store, name, datasets=visible_datasets(who))
    delete_pattern(request.app.state.store, name)
    return Response(status_code=204)
