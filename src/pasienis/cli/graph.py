"""``pasienis graph``: build statistics, expand, path, co-travel, export, saved patterns."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from pasienis.cli.context import opened_store, settings
from pasienis.graph import GraphService, queries
from pasienis.graph.cotravel import CoTravelParams
from pasienis.graph.cotravel_run import run_cotravel
from pasienis.graph.export import export as export_graph
from pasienis.graph.filters import EdgeFilter
from pasienis.graph.patterns import get_pattern, run_due, run_saved, save_pattern

app = typer.Typer(help="Link analysis: the graph of resolved entities and events.",
                  no_args_is_help=True)  # fmt: skip
# The CLI runs as an operator on the server: it sees every dataset unless told otherwise.
Datasets = Annotated[list[str] | None, typer.Option("--dataset", "-d",
                     help="limit to these datasets (default: all)")]  # fmt: skip


def _all_datasets(store: object) -> frozenset[str]:
    from sqlalchemy import select, union

    from pasienis.model.events import EVENT_TABLES
    from pasienis.model.models import statements

    parts = [select(statements.c.dataset)] + [select(t.c.dataset) for t in EVENT_TABLES.values()]
    with store.read() as conn:  # type: ignore[attr-defined]
        return frozenset(conn.execute(union(*parts)).scalars())


def _grants(store: object, datasets: list[str] | None) -> frozenset[str]:
    return frozenset(datasets) if datasets else _all_datasets(store)


def _out(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@app.command("stats")
def stats() -> None:
    """Build the projection and print its size (nodes, edges, relation types, memory)."""
    cfg = settings()
    with opened_store(cfg) as store:
        p = GraphService(store, shared_cap=cfg.graph_shared_value_max).build()
        _out({"nodes": p.n_nodes, "edges": p.n_edges, "relations": p.relations.names,
              "array_bytes": p.nbytes()})  # fmt: skip


@app.command("expand")
def expand(ids: list[str], datasets: Datasets = None, depth: int = 1, max_nodes: int = 200,
           per_node: int = 50) -> None:  # fmt: skip
    """Neighbourhood of entities as JSON (nodes, edges, "N more" markers)."""
    cfg = settings()
    with opened_store(cfg) as store:
        svc = GraphService(store, shared_cap=cfg.graph_shared_value_max)
        with svc.view(_grants(store, datasets)) as view:
            _out(queries.expand(view, ids, depth=depth, f=EdgeFilter(), max_nodes=max_nodes,
                                per_node=per_node))  # fmt: skip


@app.command("path")
def path(source: str, target: str, datasets: Datasets = None, max_depth: int = 8) -> None:
    """Shortest path between two entities."""
    cfg = settings()
    with opened_store(cfg) as store:
        svc = GraphService(store, shared_cap=cfg.graph_shared_value_max)
        with svc.view(_grants(store, datasets)) as view:
            _out(queries.path(view, source, target, f=EdgeFilter(), max_depth=max_depth))


@app.command("cotravel")
def cotravel(dataset: Annotated[str, typer.Argument(help="dataset of the plate reads")],
             crossings: Annotated[list[str] | None, typer.Option(
                 "--crossings", help="dataset of border crossings (reads at checkpoints)")] = None,
             min_occasions: int = 2, top: int = 1000, show: int = 20) -> None:  # fmt: skip
    """Detect co-travelling vehicles in a dataset's plate reads; store them as edges."""
    cfg = settings()
    params = CoTravelParams(window_s=cfg.graph_cotravel_window_s, min_occasions=min_occasions,
                            top=top)  # fmt: skip
    with opened_store(cfg) as store:
        pairs = run_cotravel(store, dataset=dataset, crossings=crossings or [], params=params)
    for pair in pairs[:show]:
        typer.echo(f"{pair.score:8.2f}  {pair.leader:>10} → {pair.follower:<10} "
                   f"occasions={pair.occasions} co-passages={pair.co_passages}")  # fmt: skip
    typer.echo(f"{len(pairs)} pairs stored for {dataset}", err=True)


@app.command("export")
def export(ids: list[str], fmt: Annotated[str, typer.Option("--format", "-f")] = "graphml",
           output: Annotated[Path | None, typer.Option("-o")] = None, depth: int = 1,
           max_nodes: int = 500, datasets: Datasets = None) -> None:  # fmt: skip
    """Export the neighbourhood of entities (gexf, graphml, ftm, csv, anx)."""
    if fmt not in ("gexf", "graphml", "ftm", "csv", "anx"):
        raise typer.BadParameter("format must be gexf, graphml, ftm, csv or anx")
    cfg = settings()
    with opened_store(cfg) as store:
        svc = GraphService(store, shared_cap=cfg.graph_shared_value_max)
        with svc.view(_grants(store, datasets)) as view:
            sg = queries.expand(view, ids, depth=depth, f=EdgeFilter(), max_nodes=max_nodes,
                                per_node=max_nodes)  # fmt: skip
        data = export_graph(fmt, sg["nodes"], sg["edges"])
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)


patterns_app = typer.Typer(help="Saved pattern queries.", no_args_is_help=True)
app.add_typer(patterns_app, name="patterns")


@patterns_app.command("save")
def pattern_save(name: str, query: str, every: Annotated[int | None, typer.Option(
        help="schedule period in seconds")] = None, datasets: Datasets = None) -> None:  # fmt: skip
    """Save a pattern (checked for syntax first)."""
    with opened_store() as store:
        save_pattern(store, name=name, query=query, every_s=every, owner="cli",
                     datasets=_grants(store, datasets))  # fmt: skip
    typer.echo(f"saved {name}")


@patterns_app.command("run")
def pattern_run(name: str) -> None:
    """Rerun a saved pattern; new matches are published as graph.pattern.matched."""
    with opened_store() as store:
        get_pattern(store, name)
        out = run_saved(GraphService(store), name)
    _out({"matches": len(out["matches"]), "new": out["new"]})


@patterns_app.command("run-due")
def pattern_run_due() -> None:
    """Run every scheduled pattern that is due (call from a timer, e.g. every minute)."""
    with opened_store() as store:
        done = run_due(GraphService(store))
    _out([{"pattern": d["pattern"], "matches": len(d["matches"]), "new": len(d["new"])}
          for d in done])  # fmt: skip
