"""Corrections are new versions: the original stays, analyses count the newest version once."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.model.events import violations
from pasienis.security import Role
from pasienis.security.compartments import register_dataset
from pasienis.security.provision import provision
from pasienis.store import Store

T0 = datetime(2026, 3, 1, 22, tzinfo=UTC)


def test_correct_list_and_history(store: Store, base_settings: Settings) -> None:
    rows = [
        {
            "id": f"v{i}",
            "occurred_at": T0,
            "lat": 54.3 + i * 0.001,
            "lon": 25.2,
            "dataset": "field",
            "category": "cigarettes",
            "quantity": 1000.0,
            "person_id": "person-1" if i == 0 else None,
        }
        for i in range(3)
    ] + [
        {
            "id": "hidden",
            "occurred_at": T0,
            "lat": 55.0,
            "lon": 24.0,
            "dataset": "secret",
            "category": "cash",
            "quantity": 1.0,
            "person_id": None,
        }
    ]
    with store.begin() as conn:
        conn.execute(violations.insert(), rows)
        register_dataset(conn, name="field")
        register_dataset(conn, name="secret")
        dispatcher = provision(conn, name="dis", roles=[Role.dispatcher], datasets=["field"])
        analyst = provision(conn, name="ana", roles=[Role.analyst], datasets=["field"])
    auth = {"Authorization": f"Bearer {dispatcher}"}
    with TestClient(
        create_app(base_settings, store=store), base_url="https://testserver"
    ) as client:
        fixed = client.post(
            "/api/violations/v0/corrections",
            headers=auth,
            json={"reason": "quantity miscounted", "quantity": 12000},
        )
        assert fixed.status_code == 201, fixed.text
        new_id = fixed.json()["id"]
        assert fixed.json()["quantity"] == 12000
        listed = client.get("/api/violations", headers=auth).json()
        assert listed["total"] == 3
        assert {r["id"] for r in listed["rows"]} == {new_id, "v1", "v2"}
        story = client.get("/api/violations/v0", headers=auth).json()
        assert [v["id"] for v in story["versions"]] == ["v0", new_id]
        assert story["versions"][0]["superseded"]["reason"] == "quantity miscounted"
        assert story["current"]["id"] == new_id
        assert (
            client.get(f"/api/violations/{new_id}", headers=auth).json()["versions"][0]["quantity"]
            == 1000
        )
        again = client.post(
            "/api/violations/v0/corrections", headers=auth, json={"reason": "again", "quantity": 1}
        )
        assert again.status_code == 400
        assert new_id in again.text
        assert client.get("/api/violations/hidden", headers=auth).status_code == 404
        assert (
            client.post(
                "/api/violations/hidden/corrections",
                headers=auth,
                json={"reason": "x", "quantity": 1},
            ).status_code
            == 404
        )
        analyst_auth = {"Authorization": f"Bearer {analyst}"}
        assert (
            client.post(
                "/api/violations/v1/corrections",
                headers=analyst_auth,
                json={"reason": "x", "quantity": 1},
            ).status_code
            == 403
        )
        hexbin = client.get("/api/violations/analysis/hexbin", headers=auth).json()
        assert hexbin["summary"]["violations"] == 3
    with store.read() as conn:
        original = conn.execute(
            select(violations.c.quantity).where(violations.c.id == "v0")
        ).scalar_one()
        assert original == 1000.0
        assert conn.execute(select(func.count()).select_from(violations)).scalar_one() == 5
