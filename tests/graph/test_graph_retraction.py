"""A retracted import leaves the graph (nodes, edges, evidence) and a restore brings it back,
through the ordinary retraction path, which publishes nothing on the bus."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from pasienis.graph import EdgeFilter, GraphService, UnknownNodeError
from pasienis.graph.evidence import edge_evidence
from pasienis.graph.service import edge_json, node_index
from pasienis.graph.traverse import expand
from pasienis.ingest.models import import_runs
from pasienis.ingest.retraction import restore_run, retract_run
from pasienis.ingest.runs import RunKey, start_run
from pasienis.store import Store

from .conftest import A, B, crossing, put

ALL = frozenset({A, B})


def _relations(view, idx: int) -> dict[tuple[str, str], dict]:
    sg = expand(view, [idx], depth=1, f=EdgeFilter(), max_nodes=500, per_node=500)
    return {(e["relation"], e["target"]): e for e in (edge_json(view, i) for i in sg.edges)}


def _finished_run(store: Store) -> str:
    run = start_run(store, RunKey(A, "content", "mapping"), source_name="test.csv",
                    mapping_name="test.yml")  # fmt: skip
    with store.begin() as conn:
        conn.execute(update(import_runs).where(import_runs.c.id == run["id"])
                     .values(status="completed"))  # fmt: skip
    return run["id"]


def test_retracted_import_disappears_from_graph_and_restore_brings_it_back(
    store: Store, world: dict[str, str]
) -> None:
    run = _finished_run(store)
    van = put(store, A, "V2", "Vehicle", {"registrationNumber": "ABC123"}, run_id=run)
    shared = put(store, A, "P5", "Person", {"name": "Test Person", "phone": "+37061234567"},
                 run_id=run)  # fmt: skip
    put(store, A, "O2", "Ownership", {"owner": world["jonas"], "asset": van}, run_id=run)
    for day in (20, 21):
        crossing(store, A, f"XR{day}", world["jonas"], van, day, run_id=run)
    crossing(store, A, "X23", world["jonas"], world["car"], 23, run_id=run)  # a 4th drive
    svc = GraphService(store, refresh_interval=0)
    svc.build()
    with svc.view(ALL) as view:
        jonas = node_index(view, world["jonas"])
        edges = _relations(view, jonas)
        assert {("drove", van), ("ownership", van), ("drove", world["car"])} <= edges.keys()
        assert edges[("drove", world["car"])]["weight"] == 4
        assert node_index(view, shared) >= 0
    retract_run(store, run_id=run, by="admin", reason="test import")
    with svc.view(ALL) as view, store.read() as conn:
        jonas = node_index(view, world["jonas"])
        edges = _relations(view, jonas)
        assert ("drove", van) not in edges
        assert ("ownership", van) not in edges
        assert edges[("drove", world["car"])]["weight"] == 3  # the retracted drive is gone
        for missing in (van, shared):  # nodes only the retracted run declared
            with pytest.raises(UnknownNodeError):
                node_index(view, missing)
        phone = [e for k, e in edges.items() if k[0] == "shares_phone"]
        assert shared not in {e["target"] for e in phone} | {e["source"] for e in phone}
        drove = next(
            i for i in range(len(view.projection.src))
            if view.edge_ok[i] and edge_json(view, i) == edges[("drove", world["car"])]
        )  # fmt: skip
        rows = edge_evidence(conn, view, drove, shared_cap=25)
        assert sorted(r["locator"] for r in rows) == ["alpha:X16", "alpha:X2", "alpha:X9"]
    restore_run(store, run_id=run, by="admin")
    fresh = GraphService(store)
    for service in (svc, fresh):  # the refreshed projection equals a full build
        with service.view(ALL) as view:
            edges = _relations(view, node_index(view, world["jonas"]))
            assert {("drove", van), ("ownership", van)} <= edges.keys()
            assert edges[("drove", world["car"])]["weight"] == 4
            assert node_index(view, shared) >= 0
