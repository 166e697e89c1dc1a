"""The projection: edges from relations, entity properties, events and shared values;
compartments during traversal; incremental updates after imports, merges and splits."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import delete, insert

from pasienis.graph import EdgeFilter, GraphService, NoPathError, UnknownNodeError
from pasienis.graph.evidence import edge_evidence
from pasienis.graph.service import edge_json, node_index
from pasienis.graph.traverse import expand, shortest_path
from pasienis.jobs import Bus
from pasienis.model.models import resolver
from pasienis.store import Store

from .conftest import A, B, crossing, put

ALL = frozenset({A, B})


def _edges(view, idx: int) -> list[dict]:
    sg = expand(view, [idx], depth=1, f=EdgeFilter(), max_nodes=500, per_node=500)
    return [edge_json(view, e) for e in sg.edges]


def test_edges_of_every_kind_with_evidence(store: Store, world: dict[str, str]) -> None:
    svc = GraphService(store)
    with svc.view(ALL) as view, store.read() as conn:
        edges = {
            (e["relation"], e["target"]): e for e in _edges(view, node_index(view, world["jonas"]))
        }
        drove = edges[("drove", world["car"])]
        assert drove["weight"] == 3
        assert drove["first"].startswith("2026-09-02")
        assert drove["last"].startswith("2026-09-16")
        assert edges[("ownership", world["car"])]["first"].startswith("2024-03-01")
        assert ("directorship", world["hub"]) in edges
        shared = [e for e in edges.values() if e["relation"] == "shares_phone"]
        assert {e["datasets"][0] for e in shared} >= {A}
        e = next(
            i for i in range(len(view.projection.src)) if edge_json(view, i)["id"] == drove["id"]
        )
        rows = edge_evidence(conn, view, e, shared_cap=25)
        assert sorted(r["locator"] for r in rows) == ["alpha:X16", "alpha:X2", "alpha:X9"]
        assert all(r["kind"] == "border_crossings" for r in rows)


def test_compartments_apply_during_traversal(store: Store, world: dict[str, str]) -> None:
    svc = GraphService(store)
    with svc.view(frozenset({A})) as view:
        with pytest.raises(UnknownNodeError):
            node_index(view, world["ivan"])  # a beta node does not exist for alpha readers
        rels = {e["relation"] for e in _edges(view, node_index(view, world["petras"]))}
        assert "associate" not in rels  # the beta Associate is invisible
        # the cross-dataset shared phone needs both datasets
        assert all(B not in e["datasets"] for e in _edges(view, node_index(view, world["jonas"])))
    with svc.view(frozenset({B})) as view:
        assert _edges(view, node_index(view, world["ivan"])) == []  # Petras is alpha's
    with svc.view(ALL) as view:
        nodes, _ = shortest_path(view, node_index(view, world["ivan"]),
                                 node_index(view, world["car"]), f=EdgeFilter())  # fmt: skip
        assert len(nodes) >= 3


def test_disconnected_path_is_an_error(store: Store, world: dict[str, str]) -> None:
    with GraphService(store).view(ALL) as view, pytest.raises(NoPathError):
        shortest_path(view, node_index(view, world["lonely"]), node_index(view, world["car"]),
                      f=EdgeFilter())  # fmt: skip


def test_supernode_is_capped_with_a_marker(store: Store, world: dict[str, str]) -> None:
    with GraphService(store).view(ALL) as view:
        hub = node_index(view, world["hub"])
        sg = expand(view, [hub], depth=1, f=EdgeFilter(), max_nodes=500, per_node=10)
        assert len(sg.nodes) == 11
        assert sg.more[hub] == 21
        assert not sg.complete
        sg = expand(view, [hub], depth=1, f=EdgeFilter(), max_nodes=5, per_node=100)
        assert len(sg.nodes) == 5
        assert sg.truncated == 27


def test_filters_during_walk(store: Store, world: dict[str, str]) -> None:
    with GraphService(store).view(ALL) as view:
        jonas = node_index(view, world["jonas"])
        only = EdgeFilter(relations=frozenset({"drove"}), min_weight=3)
        assert {
            edge_json(view, e)["relation"]
            for e in expand(view, [jonas], depth=2, f=only, max_nodes=50, per_node=50).edges
        } == {"drove"}
        later = EdgeFilter(since=datetime(2026, 10, 1, tzinfo=UTC), dated_only=True)
        assert expand(view, [jonas], depth=1, f=later, max_nodes=50, per_node=50).edges == []


def test_import_delta_without_rebuild(store: Store, world: dict[str, str]) -> None:
    svc = GraphService(store, refresh_interval=0)
    before = svc.build()
    van = put(store, A, "V2", "Vehicle", {"registrationNumber": "ABC123"}, run_id="run-2")
    with store.begin() as conn:
        conn.execute(delete(resolver))
    crossing(store, A, "X30", world["jonas"], van, 20)
    Bus(store).publish("statements.retracted", {"entity_ids": [van, world["jonas"]]})
    with svc.view(ALL) as view:
        assert view.projection is before
        assert before.version == 1
        targets = {e["target"] for e in _edges(view, node_index(view, world["jonas"]))}
        assert van in targets


def test_merge_and_split_show_at_refresh(store: Store, world: dict[str, str]) -> None:
    svc = GraphService(store, refresh_interval=0)
    svc.build()
    now = datetime.now(UTC)
    with store.begin() as conn:  # the resolver merges Ivan into Petras (no bus event)
        conn.execute(
            insert(resolver).values(
                entity_id=world["ivan"], canonical_id=world["petras"], updated_at=now
            )
        )
    with svc.view(ALL) as view:
        assert node_index(view, world["ivan"]) == node_index(view, world["petras"])
        rels = {e["relation"] for e in _edges(view, node_index(view, world["petras"]))}
        assert "associate" not in rels  # Ivan-Petras became a self-loop
        assert not view.visible(view.projection.node_index[world["ivan"]])
    with store.begin() as conn:  # split again
        conn.execute(delete(resolver).where(resolver.c.entity_id == world["ivan"]))
    with svc.view(ALL) as view:
        assert node_index(view, world["ivan"]) != node_index(view, world["petras"])
        rels = {e["relation"] for e in _edges(view, node_index(view, world["petras"]))}
        assert "associate" in rels
        p = view.projection
        live = np.flatnonzero(p.alive)
        keys = {(int(p.src[e]), int(p.dst[e]), int(p.rel[e]), int(p.key[e])) for e in live}
        assert len(keys) == len(live)  # no duplicated edge after merge + split


def test_a_node_added_by_a_delta_can_be_expanded(store: Store, world: dict[str, str]) -> None:
    """A node first seen after the build has no CSR slice yet: expanding it reads the overlay
    (it raised IndexError on indptr before)."""
    from pasienis.graph.queries import expand as expand_ids

    svc = GraphService(store, refresh_interval=0)
    svc.build()
    van = put(store, A, "V3", "Vehicle", {"registrationNumber": "XYZ789"}, run_id="run-3")
    crossing(store, A, "X31", world["jonas"], van, 21)
    Bus(store).publish("statements.retracted", {"entity_ids": [van, world["jonas"]]})
    with svc.view(ALL) as view:
        out = expand_ids(view, [van], depth=1, f=EdgeFilter(), max_nodes=50, per_node=10)
        assert world["jonas"] in {n["id"] for n in out["nodes"]}
        assert len(view.projection.indptr) == view.projection.n_nodes + 1
