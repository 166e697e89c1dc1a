"""A dispatcher plans a shift from the violation hot spots, edits a stop and publishes it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.model.events import violations
from pasienis.ops import service
from pasienis.ops.models import tasks, units
from pasienis.security import Role
from pasienis.security.compartments import register_dataset
from pasienis.security.provision import provision
from pasienis.store import Store

SHIFT = datetime(2026, 6, 1, 20, tzinfo=UTC)


@pytest.fixture
def world(store: Store, base_settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    rng = np.random.default_rng(4)
    rows = [
        {
            "id": f"v{i}",
            "occurred_at": SHIFT - timedelta(days=float(rng.uniform(1, 120))),
            "lat": float(rng.normal(54.30, 0.02)),
            "lon": float(rng.normal(25.20, 0.03)),
            "dataset": "field",
            "category": "cigarettes",
        }
        for i in range(200)
    ]
    with store.begin() as conn:
        conn.execute(violations.insert(), rows)
        register_dataset(conn, name="field")
        for call_sign, lat, lon in (("ALFA-1", 54.35, 25.10), ("BRAVO-2", 54.25, 25.30)):
            unit = service.add_unit(conn, call_sign=call_sign, crew=[])
            conn.execute(
                update(units).where(units.c.id == unit["id"]).values(last_lat=lat, last_lon=lon)
            )
        tokens = {
            "dispatcher": provision(conn, name="dis", roles=[Role.dispatcher], datasets=["field"]),
            "analyst": provision(conn, name="ana", roles=[Role.analyst], datasets=["field"]),
        }
    with TestClient(
        create_app(base_settings, store=store), base_url="https://testserver"
    ) as client:
        yield client, tokens


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_plan_edit_publish(world, store: Store) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    body = {
        "shift_start": SHIFT.isoformat(),
        "shift_end": (SHIFT + timedelta(hours=6)).isoformat(),
        "candidates": 40,
        "time_limit_s": 1,
    }
    made = client.post("/api/planning/patrols", json=body, headers=_auth(tokens["dispatcher"]))
    assert made.status_code == 201, made.text
    plan = made.json()
    assert plan["status"] == "draft"
    assert plan["stops"]
    assert all("violations here" in s["reason"] for s in plan["stops"])
    assert plan["covered_risk"] >= plan["summary"]["greedy_covered_risk"]
    edited_stops = plan["stops"][1:]
    edited = client.put(
        f"/api/planning/patrols/{plan['id']}/stops",
        json={"stops": edited_stops},
        headers=_auth(tokens["dispatcher"]),
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2
    assert len(edited.json()["stops"]) == len(plan["stops"]) - 1
    published = client.post(
        f"/api/planning/patrols/{plan['id']}/publish", headers=_auth(tokens["dispatcher"])
    )
    assert published.status_code == 200, published.text
    task_ids = [s["task_id"] for s in published.json()["stops"]]
    with store.read() as conn:
        rows = conn.execute(
            select(tasks.c.status, tasks.c.unit_id, tasks.c.category).where(
                tasks.c.id.in_(task_ids)
            )
        ).all()
    assert len(rows) == len(edited_stops)
    assert {r.status for r in rows} == {"assigned"}
    assert {r.category for r in rows} == {"patrol"}
    again = client.post(
        f"/api/planning/patrols/{plan['id']}/publish", headers=_auth(tokens["dispatcher"])
    )
    assert again.status_code == 422


def test_randomised_plan_reports_its_entropy(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    body = {
        "shift_start": SHIFT.isoformat(),
        "shift_end": (SHIFT + timedelta(hours=6)).isoformat(),
        "candidates": 60,
        "time_limit_s": 2,
        "randomised": True,
        "keep": 0.85,
    }
    plan = client.post(
        "/api/planning/patrols", json=body, headers=_auth(tokens["dispatcher"])
    ).json()
    assert plan["method"] == "or-tools mixed strategy"
    assert (
        plan["summary"]["expected_covered_risk"]
        >= 0.85 * plan["summary"]["best_covered_risk"] - 1e-3
    )
    assert plan["summary"]["entropy_bits"] >= 0


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"units": ["NOBODY"]}, "no unit"),
        ({"shift_end": SHIFT.isoformat()}, "ends before"),
    ],
)
def test_bad_plans_are_a_clear_4xx(world, change: dict, words: str) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    body = {
        "shift_start": SHIFT.isoformat(),
        "shift_end": (SHIFT + timedelta(hours=6)).isoformat(),
        "time_limit_s": 1,
        **change,
    }
    answer = client.post("/api/planning/patrols", json=body, headers=_auth(tokens["dispatcher"]))
    assert 400 <= answer.status_code < 500, answer.text
    assert words in answer.text


def test_no_available_unit_is_a_clear_message(world, store: Store) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    with store.begin() as conn:
        conn.execute(update(units).values(status="off_duty"))
    body = {"shift_start": SHIFT.isoformat(), "shift_end": (SHIFT + timedelta(hours=6)).isoformat()}
    answer = client.post("/api/planning/patrols", json=body, headers=_auth(tokens["dispatcher"]))
    assert answer.status_code == 422
    assert "no available unit" in answer.text


def test_analysts_do_not_plan_patrols(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    assert client.get("/api/planning/patrols", headers=_auth(tokens["analyst"])).status_code == 403
