"""Cases through the API on both engines: members by case grants, items that keep the
datasets they came from (a member without those grants sees them counted, not shown), charts
saved and reopened exactly, overwrites caught; the profile routes; a chart's exact export."""

from __future__ import annotations

import io
from collections.abc import Iterator

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from tests.graph import conftest as graph_world

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.security import Role
from pasienis.security.provision import provision
from pasienis.store import Store

A, B = graph_world.A, graph_world.B
world = graph_world.world  # the graph tests' two-compartment world (a fixture)


@pytest.fixture
def clients(  # type: ignore[no-untyped-def]
    store: Store, base_settings: Settings, world
) -> Iterator[dict[str, TestClient]]:
    with store.begin() as conn:
        tokens = {
            "both": provision(conn, name="both", roles=[Role.analyst], datasets=[A, B]),
            "alpha": provision(conn, name="alf", roles=[Role.analyst], datasets=[A]),
            "beta": provision(conn, name="bet", roles=[Role.analyst], datasets=[B]),
        }
    app = create_app(base_settings, store=store)
    made = {k: TestClient(app, headers={"Authorization": f"Bearer {v}"})
            for k, v in tokens.items()}  # fmt: skip
    for c in made.values():
        c.__enter__()
    yield made
    for c in made.values():
        c.__exit__(None, None, None)


def _chart(c: TestClient, ids: list[str]) -> dict:
    g = c.post("/api/graph/expand", json={"ids": ids}).json()
    nodes = [{"id": n["id"], "data": n, "position": {"x": 10.5 * i, "y": -3.25 * i},
              "classes": ["pinned"] if i == 0 else []}
             for i, n in enumerate(g["nodes"])]  # fmt: skip
    edges = [{"id": e["id"], "source": e["source"], "target": e["target"], "data": e,
              "classes": ["cotravel"] if e["relation"] == "co_travel" else []}
             for e in g["edges"]]  # fmt: skip
    return {
        "nodes": nodes,
        "edges": edges,
        "groups": [{"id": "group-1", "label": "Kin"}],
        "view": {"zoom": 1.25, "pan": {"x": 3.0, "y": -7.5}, "layout": "circle"},
    }


def test_members_see_only_items_of_their_datasets(clients, world) -> None:  # type: ignore[no-untyped-def]
    both, alf, bet = clients["both"], clients["alpha"], clients["beta"]
    case = both.post("/api/cases", json={"title": "Operation Phone"}).json()
    base = f"/api/cases/{case['id']}"
    for body in ({"kind": "entity", "ref": world["jonas"]},
                 {"kind": "entity", "ref": world["ivan"]},
                 {"kind": "chart", "title": "phones", "chart": _chart(both, [world["jonas"]])},
                 {"kind": "note", "note": "shared phone +37061234567"}):  # fmt: skip
        assert both.post(f"{base}/items", json=body).status_code == 201
    # the same entity twice is one item
    again = both.post(f"{base}/items", json={"kind": "entity", "ref": world["jonas"]})
    assert again.status_code == 201
    full = both.get(base).json()
    assert [i["kind"] for i in full["items"]] == ["entity", "entity", "chart", "note"]
    chart = next(i for i in full["items"] if i["kind"] == "chart")
    assert chart["datasets"] == [A, B]  # Ivan came in through Jonas's phone
    assert full["hidden"] == 0
    # not a member: nothing, not even that the case exists
    for path in (base, f"{base}/activity", f"{base}/items/{chart['id']}"):
        assert bet.get(path).status_code == 404
    assert bet.get("/api/cases").json() == []
    # a read member with the alpha grant only
    shared = both.post(f"{base}/members", json={"grantee": "alf", "permission": "read"})
    assert shared.status_code == 200, shared.text
    seen = alf.get(base).json()
    assert [i["ref"] for i in seen["items"] if i["kind"] == "entity"] == [world["jonas"]]
    assert seen["hidden"] == 2  # Ivan and the chart that shows him
    assert alf.get(f"{base}/items/{chart['id']}").status_code == 404
    assert "Ivan" not in alf.get(base).text
    refused = alf.post(f"{base}/items", json={"kind": "note", "note": "mine"})
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("case-read-only")
    actions = [a["action"] for a in alf.get(f"{base}/activity").json()]
    assert actions[0] == "member.added"
    assert actions[-1] == "created"
    assert actions.count("item.added") == 4
    # the last writer cannot leave; write access can be given and taken
    assert both.delete(f"{base}/members/user/both").status_code == 422
    writer = both.post(f"{base}/members", json={"grantee": "alf", "permission": "write"})
    assert writer.status_code == 200
    assert alf.post(f"{base}/items", json={"kind": "note", "note": "mine"}).status_code == 201
    assert both.delete(f"{base}/members/user/alf").status_code == 200
    assert alf.get(base).status_code == 404
    assert both.post(f"{base}/members", json={"grantee": "nobody"}).status_code == 404


def test_a_chart_reopens_exactly_and_overwrites_are_caught(clients, world) -> None:  # type: ignore[no-untyped-def]
    both = clients["both"]
    case = both.post("/api/cases", json={"title": "Charts"}).json()
    state = _chart(both, [world["jonas"]])
    made = both.post(
        f"/api/cases/{case['id']}/items", json={"kind": "chart", "chart": state}
    ).json()
    path = f"/api/cases/{case['id']}/items/{made['id']}"
    body = both.get(path).json()["body"]
    assert body["view"] == state["view"]
    assert body["groups"] == state["groups"]
    assert [(n["id"], n["position"], n["classes"]) for n in body["nodes"]] == \
        [(n["id"], n["position"], n["classes"]) for n in state["nodes"]]  # fmt: skip
    assert [e["id"] for e in body["edges"]] == [e["id"] for e in state["edges"]]
    state["view"]["zoom"] = 0.5
    saved = both.put(path, json={"chart": state, "version": 1})
    assert saved.status_code == 200
    assert saved.json()["version"] == 2
    stale = both.put(path, json={"chart": state, "version": 1})
    assert stale.status_code == 422
    assert "version 2" in stale.json()["title"]
    assert both.get(path).json()["body"]["view"]["zoom"] == 0.5


def test_a_chart_with_what_the_saver_cannot_see_is_refused(clients, world) -> None:  # type: ignore[no-untyped-def]
    alf = clients["alpha"]
    case = alf.post("/api/cases", json={"title": "Mine"}).json()
    chart = {"nodes": [{"id": world["jonas"]}, {"id": world["ivan"]}], "edges": []}
    refused = alf.post(f"/api/cases/{case['id']}/items", json={"kind": "chart", "chart": chart})
    assert refused.status_code == 422
    assert alf.post(f"/api/cases/{case['id']}/items",
                    json={"kind": "entity", "ref": world["ivan"]}).status_code == 404  # fmt: skip
    assert alf.post(f"/api/cases/{case['id']}/items",
                    json={"kind": "entity"}).status_code == 422  # fmt: skip


def test_profile_routes(clients, world) -> None:  # type: ignore[no-untyped-def]
    alf, bet = clients["alpha"], clients["beta"]
    events = alf.get(f"/api/entities/{world['jonas']}/events").json()
    crossings = [e for e in events["events"] if e["kind"] == "crossing"]
    assert len(crossings) == 3
    assert all(e["roles"] == ["person"] for e in crossings)
    assert [e["occurred_at"] for e in crossings] == sorted((e["occurred_at"] for e in crossings),
                                                           reverse=True)  # fmt: skip
    car = alf.get(f"/api/entities/{world['car']}/events").json()
    assert car["events"][0]["roles"] == ["vehicle"]
    history = alf.get(f"/api/entities/{world['jonas']}/history").json()
    assert history["members"] == [world["jonas"]]
    for part in ("events", "mentions", "watch", "history"):
        assert bet.get(f"/api/entities/{world['jonas']}/{part}").status_code == 404


def test_a_chart_exports_exactly_its_nodes(clients, world) -> None:  # type: ignore[no-untyped-def]
    both = clients["both"]
    ids = [world["jonas"], world["car"], world["ivan"]]
    r = both.post("/api/graph/export", json={"ids": ids, "depth": 0, "format": "gexf"})
    assert r.status_code == 200, r.text
    g = nx.read_gexf(io.BytesIO(r.content))
    assert set(g.nodes) == set(ids)
    assert g.number_of_edges() >= 2  # drove + shared phone, nothing beyond the three
    many = both.post("/api/graph/export", json={"ids": ids * 40, "depth": 1, "format": "gexf"})
    assert many.status_code == 422
