"""The API in-process over httpx: health, schema, entities, problem+json errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.model.ids import make_id
from pasienis.model.sample import load_sample
from pasienis.security import Role
from pasienis.security.provision import provision
from pasienis.store import Store


@pytest.fixture
def client(store: Store, base_settings: Settings) -> Iterator[TestClient]:
    load_sample(store)
    with store.begin() as conn:  # an analyst cleared for the sample dataset
        token = provision(conn, name="analyst", roles=[Role.analyst], datasets=["sample"])
    app = create_app(base_settings, store=store)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client


def test_health_reports_engine_and_migrations(client: TestClient, store: Store) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["engine"] == store.engine_name
    assert body["migrations"]["current"] == body["migrations"]["head"]


def test_schema_lists_customs_schemata(client: TestClient) -> None:
    names = {s["name"] for s in client.get("/api/schema").json()}
    assert {"PlateRead", "BorderCrossing", "Person"} <= names
    plate = client.get("/api/schema/PlateRead").json()
    assert plate["featured"][0] == "plate"


def test_entity_and_its_statements(client: TestClient) -> None:
    pid = make_id("sample", "P1")
    entity = client.get(f"/api/entities/{pid}").json()
    assert entity["schema"] == "Person"
    assert "Jonas Žukauskas" in entity["properties"]["name"]
    stmts = client.get(f"/api/entities/{pid}/statements").json()
    assert {s["locator"] for s in stmts} == {"sample:P1"}
    assert all(s["dataset"] == "sample" for s in stmts)


def test_errors_are_problem_json(client: TestClient) -> None:
    response = client.get("/api/entities/does-not-exist")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-found")
    assert client.get("/api/schema/Nope").status_code == 422
