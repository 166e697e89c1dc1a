"""Search and watch through the API: compartments, audit, alerts, live reads, tasks, WebSocket."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.jobs import publish_in
from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.search import index_entities
from pasienis.security import Role
from pasienis.security.audit import search_audit
from pasienis.security.provision import provision
from pasienis.store import Store
from pasienis.watch import IndexCache, add_source, catch_up

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def put(store: Store, entity_id: str, schema: str, props: dict, dataset: str) -> None:
    prov = Provenance(dataset, T0, run_id=f"run-{dataset}", locator=f"{dataset}:{entity_id}")
    with store.begin() as conn:
        write_statements(store, conn, entity_statements(entity_id, schema, props, prov))
        index_entities(store, conn, [entity_id])


@pytest.fixture
def world(store: Store, base_settings: Settings) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    put(store, "b1", "Person", {"name": "Aleksandras Ivanovas", "notes": "border note"}, "border")
    put(store, "b1", "Person", {"name": "Ivanov Taxman", "notes": "tax secret"}, "tax")
    put(store, "t1", "Person", {"name": "Rūta Tax"}, "tax")
    with store.begin() as conn:
        tokens = {
            "border": provision(
                conn, name="ana", roles=[Role.analyst], datasets=["border", "anpr"]
            ),
            "tax": provision(conn, name="ben", roles=[Role.analyst], datasets=["tax"]),
            "disp": provision(
                conn, name="dis", roles=[Role.dispatcher], datasets=["border", "anpr"]
            ),
            "admin": provision(conn, name="adm", roles=[Role.administrator]),
        }
        tokens["camera"] = add_source(conn, source_id="cam-1", name="A1", dataset="anpr")
    settings = base_settings.model_copy(
        update={"search_index_interval_s": 0, "watch_screen_interval_s": 0, "watch_ws_poll_s": 0.05}
    )
    with TestClient(create_app(settings, store=store)) as client:
        yield client, tokens


def h(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def test_search_sees_only_the_callers_datasets_and_is_audited(world, store: Store) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    border = client.get("/api/search", params={"q": "Ivanov"}, headers=h(tokens["border"],
                        **{"X-Purpose": "case 7"})).json()  # fmt: skip
    tax = client.get("/api/search", params={"q": "Ivanov"}, headers=h(tokens["tax"])).json()
    assert [x["entity_id"] for x in border["hits"]] == ["b1"]
    assert "Taxman" not in str(border)
    assert border["facets"]["dataset"] == {"border": 1}
    assert "Aleksandras" not in str(tax)
    assert (
        client.get("/api/search", params={"q": "Rūta"}, headers=h(tokens["border"])).json()["hits"]
        == []
    )
    with store.read() as conn:
        entries = search_audit(conn, action="search")
    assert any(e["purpose"] == "case 7" and e["actor_name"] == "ana" for e in entries)


@pytest.mark.parametrize(
    "q", ["", "   ", "x" * 2000, '"', "*", "- -", "\x00", "%_", "&|!():*", "🙂🙂", "x" * 257]
)
def test_bad_queries_are_4xx(world, q: str) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    r = client.get("/api/search", params={"q": q}, headers=h(tokens["border"]))
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "q",
    [
        "NEAR(Ivanov", '"Ivanov', "Ivanov*", "-Ivanov", "Иванов Aleksandras", "Ivanov\x00",
        "Ivanov & !Taxman | (x", "Ivanov:*", "Ivanov%_", "ИвановAleksandras", "Ivanov 🙂",
        "Ivanov " + "y" * 240, "Ivanov NEAR/3 x",
    ],
)  # fmt: skip
def test_fts_syntax_typed_by_users_is_searched_as_words(world, q: str) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    r = client.get("/api/search", params={"q": q}, headers=h(tokens["border"]))
    assert r.status_code == 200
    assert r.json()["hits"][0]["entity_id"] == "b1"


def test_watchlist_crud_and_plate_reads(world, store: Store) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    ana = h(tokens["border"])
    assert (
        client.post(
            "/api/watchlists", json={"name": "x", "dataset": "tax"}, headers=ana
        ).status_code
        == 404
    )
    r = client.post("/api/watchlists", json={"name": "vehicles", "dataset": "border"}, headers=ana)
    assert r.status_code == 201
    entry = client.post("/api/watchlists/vehicles/entries", headers=ana, json={
        "kind": "vehicle", "identifiers": [{"type": "plate", "value": "KDL 482"}],
        "reason": "smuggling", "priority": 1}).json()  # fmt: skip
    bad = client.post(
        "/api/watchlists/vehicles/entries", headers=ana, json={"kind": "vehicle", "reason": "r"}
    )
    assert bad.status_code == 422
    assert client.get("/api/watchlists", headers=h(tokens["tax"])).json() == []
    read = {"plate": "KDL4B2", "camera_id": "A1-01", "occurred_at": "2026-09-01T10:00:00Z",
            "lat": 54.6, "lon": 25.2, "read_id": "r1"}  # fmt: skip
    assert client.post("/api/watch/plate-reads", json=read).status_code == 401
    wrong = {"Authorization": "Bearer cam-1:nope"}
    assert client.post("/api/watch/plate-reads", json=read, headers=wrong).status_code == 401
    basic = base64.b64encode(f"cam-1:{tokens['camera']}".encode()).decode()
    cam = {"Authorization": f"Basic {basic}"}
    out = client.post("/api/watch/plate-reads", json=[read], headers=cam).json()
    assert len(out["reads"][0]["alerts"]) == 1
    bad_read = client.post("/api/watch/plate-reads", json={"plate": "X"}, headers=cam)
    assert bad_read.status_code == 422
    assert client.post("/api/watch/plate-reads", content=b"{", headers=cam).status_code == 400
    alerts = client.get("/api/alerts", headers=ana).json()
    assert [a["entry_id"] for a in alerts] == [entry["id"]]
    assert client.get("/api/alerts", headers=h(tokens["tax"])).json() == []
    alert_id = alerts[0]["id"]
    assert client.get(f"/api/alerts/{alert_id}", headers=h(tokens["tax"])).status_code == 404
    task = client.post(f"/api/alerts/{alert_id}/task", headers=h(tokens["disp"]))
    assert task.status_code == 202
    tasks = client.get("/api/tasks", headers=h(tokens["disp"])).json()
    assert any(t.get("alert_id") == alert_id for t in tasks)
    acked = client.post(
        f"/api/alerts/{alert_id}/acknowledge", json={"reason": "unit sent"}, headers=ana
    )
    assert acked.json()["status"] == "acknowledged"
    dismissed = client.post(f"/api/alerts/{alert_id}/dismiss", json={"reason": "ours"}, headers=ana)
    assert dismissed.json()["status_reason"] == "ours"
    assert (
        client.post(
            f"/api/alerts/{alert_id}/dismiss", json={"reason": "x"}, headers=ana
        ).status_code
        == 409
    )
    assert (
        client.delete(
            f"/api/watchlists/entries/{entry['id']}", headers=h(tokens["tax"])
        ).status_code
        == 404
    )
    assert client.delete(f"/api/watchlists/entries/{entry['id']}", headers=ana).status_code == 204


def test_alerts_are_pushed_over_the_websocket(world, store: Store) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    ana = h(tokens["border"])
    client.post("/api/watchlists", json={"name": "people", "dataset": "border"}, headers=ana)
    client.post("/api/watchlists/people/entries", headers=ana,
                json={"kind": "person", "name": "Jonas Jonaitis", "reason": "wanted"})  # fmt: skip
    feed = "/api/alerts/ws?access_token="
    with (
        client.websocket_connect(feed + tokens["tax"]) as other,
        client.websocket_connect(feed + tokens["border"]) as ws,
    ):
        put(store, "j1", "Person", {"name": "Jonaitis Jonas"}, "border")
        with store.begin() as conn:
            publish_in(
                conn, topic="import.completed", payload={"id": "run-border", "dataset": "border"}
            )
        catch_up(store, IndexCache(name_threshold=0.88))
        message = ws.receive_json()
        assert message["type"] == "alerts"
        assert message["alerts"][0]["record_id"] == "j1"
        other.close()
    refused = pytest.raises(WebSocketDisconnect)  # no token: closed before accept
    with refused, client.websocket_connect("/api/alerts/ws") as ws:
        ws.receive_json()
