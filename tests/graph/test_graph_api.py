"""The graph API as analysts with different grants use it, and its bad-input answers."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.jobs import events_since
from pasienis.security import Role
from pasienis.security.provision import provision
from pasienis.store import Store

from .conftest import A, B


@pytest.fixture
def clients(store: Store, base_settings: Settings, world) -> Iterator[dict[str, TestClient]]:
    with store.begin() as conn:
        tokens = {
            "both": provision(conn, name="both", roles=[Role.analyst], datasets=[A, B]),
            "alpha": provision(conn, name="alf", roles=[Role.analyst], datasets=[A]),
            "beta": provision(conn, name="bet", roles=[Role.analyst], datasets=[B]),
        }
    app = create_app(base_settings, store=store)
    with TestClient(app) as base:
        yield {k: TestClient(app, headers={"Authorization": f"Bearer {t}"}) for k, t in
               tokens.items()} | {"anon": base}  # fmt: skip


def test_expand_with_supernode_marker(clients, world) -> None:
    r = clients["both"].post("/api/graph/expand", json={"ids": [world["hub"]], "per_node": 5})
    body = r.json()
    assert r.status_code == 200
    assert len(body["nodes"]) == 6
    assert body["more"] == [{"node": world["hub"], "more": 26}]
    assert body["complete"] is False


def test_compartments_on_every_answer(clients, world) -> None:
    alpha, beta = clients["alpha"], clients["beta"]
    assert alpha.post("/api/graph/expand", json={"ids": [world["ivan"]]}).status_code == 404
    body = beta.post("/api/graph/expand", json={"ids": [world["ivan"]], "depth": 2}).json()
    assert [n["id"] for n in body["nodes"]] == [world["ivan"]]
    assert body["edges"] == []
    text = json.dumps(alpha.post("/api/graph/expand", json={"ids": [world["petras"]],
                                                            "depth": 3}).json())  # fmt: skip
    assert world["ivan"] not in text
    assert B not in text
    r = alpha.get("/api/graph/path", params={"source": world["petras"], "target": world["ivan"]})
    assert r.status_code == 404


def test_bad_input_is_4xx(clients, world) -> None:
    c = clients["both"]
    r = c.post("/api/graph/expand", json={"ids": ["nope"]})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    r = c.get("/api/graph/path", params={"source": world["lonely"], "target": world["car"]})
    assert r.status_code == 404
    assert "no path" in r.json()["title"]
    r = c.put("/api/graph/patterns/x", json={"query": "(p:Person)-[drove]-(v:Vehicle"})
    assert r.status_code == 422
    assert "position 29" in r.json()["title"]
    assert c.get("/api/graph/edges/garbage!/evidence").status_code == 404
    assert (
        c.post("/api/graph/expand", json={"ids": [world["jonas"]], "depth": 9}).status_code == 422
    )
    assert (
        clients["anon"].post("/api/graph/expand", json={"ids": [world["jonas"]]}).status_code == 401
    )


def test_path_paths_common_and_evidence(clients, world) -> None:
    c = clients["both"]
    body = c.get("/api/graph/path", params={"source": world["ivan"], "target": world["car"]}).json()
    assert body["nodes"][0]["id"] == world["ivan"]
    assert body["nodes"][-1]["id"] == world["car"]
    paths = c.get("/api/graph/paths", params={"source": world["jonas"], "target": world["car"],
                                              "k": 2}).json()["paths"]  # fmt: skip
    assert {len(p["edges"]) for p in paths} == {1}  # ownership and drove, no 2-hop detour
    common = c.post("/api/graph/common", json={"ids": [world["jonas"], world["petras"]]}).json()
    assert world["ivan"] in {x["node"]["id"] for x in common["common"]}
    drove = next(e for e in c.post("/api/graph/expand", json={"ids": [world["jonas"]]}).json()
                 ["edges"] if e["relation"] == "drove")  # fmt: skip
    ev = c.get(f"/api/graph/edges/{drove['id']}/evidence").json()["evidence"]
    assert len(ev) == 3
    assert {e["dataset"] for e in ev} == {A}
    shared = next(e for e in c.post("/api/graph/expand", json={"ids": [world["ivan"]]}).json()
                  ["edges"] if e["relation"] == "shares_phone")  # fmt: skip
    assert clients["alpha"].get(f"/api/graph/edges/{shared['id']}/evidence").status_code == 404


def test_centrality_and_communities(clients, world) -> None:
    c = clients["both"]
    body = c.post("/api/graph/centrality", json={"ids": [world["hub"]], "depth": 1,
                  "measures": ["degree", "betweenness", "pagerank"]}).json()  # fmt: skip
    hub = next(n for n in body["nodes"] if n["id"] == world["hub"])
    assert hub["degree"] == 31
    assert hub["betweenness"] > 0.9
    assert hub["pagerank"] == max(n["pagerank"] for n in body["nodes"])
    com = c.get(f"/api/graph/community/{world['jonas']}").json()
    assert world["jonas"] in com["community"]["members"]


def _export(c: TestClient, world, fmt: str) -> bytes:
    r = c.post("/api/graph/export", json={"ids": [world["jonas"]], "depth": 1, "format": fmt})
    assert r.status_code == 200, r.text
    return r.content


def test_exports_read_back_independently(clients, world) -> None:
    c = clients["both"]
    expected = c.post("/api/graph/expand", json={"ids": [world["jonas"]]}).json()
    ids = {n["id"] for n in expected["nodes"]}
    g = nx.read_gexf(io.BytesIO(_export(c, world, "gexf")))
    assert set(g.nodes) == ids
    assert g.number_of_edges() == len(expected["edges"])
    g = nx.read_graphml(io.BytesIO(_export(c, world, "graphml")))
    assert set(g.nodes) == ids
    assert {d["relation"] for *_e, d in g.edges(data=True)} >= {"drove"}
    with zipfile.ZipFile(io.BytesIO(_export(c, world, "csv"))) as z:
        rows = list(csv.DictReader(io.StringIO(z.read("edges.csv").decode())))
    assert len(rows) == len(expected["edges"])
    anx = etree.fromstring(_export(c, world, "anx"))
    assert {e.get("EntityId") for e in anx.iter("Entity")} == ids
    assert len(list(anx.iter("Link"))) == len(expected["edges"])
    _ftm_read_back(_export(c, world, "ftm"), ids, world)


def _ftm_read_back(data: bytes, ids: set[str], world) -> None:
    from followthemoney.model import Model

    model = Model.instance()
    proxies = [model.get_proxy(json.loads(line)) for line in data.decode().splitlines()]
    assert ids <= {p.id for p in proxies}
    jonas = next(p for p in proxies if p.id == world["jonas"])
    assert "Jonas Žukauskas" in jonas.get("name")
    own = next(p for p in proxies if p.schema.name == "Ownership")
    assert own.get("owner") == [world["jonas"]]
    assert own.get("asset") == [world["car"]]


def test_saved_pattern_alerts_only_new_matches(clients, world, store: Store) -> None:
    c = clients["both"]
    r = c.put("/api/graph/patterns/drivers", json={
        "query": "(p:Person)-[drove]-(v:Vehicle) return p having sum(weight) >= 3"})  # fmt: skip
    assert r.status_code == 200
    first = c.post("/api/graph/patterns/drivers/run").json()
    assert [m["nodes"]["p"] for m in first["new"]] == [world["jonas"]]
    assert c.post("/api/graph/patterns/drivers/run").json()["new"] == []
    with store.read() as conn:
        events = events_since(conn, topics=["graph.pattern.matched"])
    assert len(events) == 1
    assert events[0].payload["pattern"] == "drivers"
    assert clients["beta"].post("/api/graph/patterns/drivers/run").status_code == 404


def test_export_fails_loudly_when_an_entity_cannot_be_loaded(clients, world, monkeypatch) -> None:
    import pasienis.model

    real = pasienis.model.load_entity

    def broken(conn, entity_id: str, **kw):
        if entity_id == world["car"]:
            raise RuntimeError("database went away")
        return real(conn, entity_id, **kw)

    monkeypatch.setattr(pasienis.model, "load_entity", broken)
    body = {"ids": [world["jonas"]], "depth": 1, "format": "ftm"}
    r = clients["both"].post("/api/graph/export", json=body)
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"].endswith("graph-export-failed")
    assert world["car"] in problem["title"]
    assert "database went away" not in r.text  # the cause goes to the log, not the client


def test_export_reports_nodes_written_from_the_graph_summary(clients, world, store) -> None:
    """A node without visible statements is not dropped and not passed off as an entity:
    it is written from the graph's summary and counted in a header."""
    from pasienis.errors import NotFoundError
    from pasienis.model import load_entity

    c = clients["both"]
    r = c.post("/api/graph/export", json={"ids": [world["jonas"]], "depth": 2, "format": "ftm"})
    assert r.status_code == 200, r.text
    nodes = c.post("/api/graph/expand", json={"ids": [world["jonas"]], "depth": 2}).json()
    ids = [n["id"] for n in nodes["nodes"]]
    assert set(ids) <= {json.loads(line)["id"] for line in r.content.decode().splitlines()}
    without = 0
    with store.read() as conn:
        for node_id in ids:
            try:
                load_entity(conn, node_id, datasets=[A, B])
            except NotFoundError:
                without += 1
    assert without >= 1  # the world's checkpoint is known from crossings only
    assert int(r.headers["X-Pasienis-Summarised-Nodes"]) == without
