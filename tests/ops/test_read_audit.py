"""Reads of personal data in operations are audited: task lists and events, unit positions,
suggestions and the dispatcher snapshot — one entry per call or snapshot, not per row."""

from __future__ import annotations

from fastapi.testclient import TestClient
from ops_helpers import Crew

from pasienis.security.audit import search_audit, verify_chain
from pasienis.store import Store

TASK = {"lat": 54.64, "lon": 25.74, "category": "vehicle_stop", "priority": 2,
        "description": "Stop KLM 482", "entity_ids": ["veh-9"]}  # fmt: skip
PURPOSE = {"X-Purpose": "shift 2026-12-01 dispatch"}


def _actions(store: Store) -> list[dict]:
    with store.read() as conn:
        return list(reversed(search_audit(conn, limit=200)))


def test_operational_reads_are_audited_once_per_call(
    client: TestClient, crew: Crew, store: Store
) -> None:
    disp = {**crew.dispatcher, **PURPOSE}
    task = client.post("/api/tasks", json=TASK, headers=disp).json()
    before = len(_actions(store))
    assert client.get("/api/tasks", headers=disp).status_code == 200
    assert client.get(f"/api/tasks/{task['id']}/events", headers=disp).status_code == 200
    assert client.get("/api/ops/units", headers=disp).status_code == 200
    suggest = client.get("/api/ops/suggest", params={"lat": 54.6, "lon": 25.3}, headers=disp)
    assert suggest.status_code == 200
    assert client.get(f"/api/tasks/{task['id']}/suggestions", headers=disp).status_code == 200
    with client.websocket_connect("/api/ops/ws/dispatch", headers=disp) as feed:
        assert feed.receive_json()["type"] == "snapshot"
    new = _actions(store)[before:]
    actions = [e["action"] for e in new]
    assert actions == [
        "task.list",
        "task.events.read",
        "unit.list",
        "ops.suggest",
        "task.suggestions",
        "dispatch.snapshot",
    ]  # fmt: skip  -- exactly one entry per call, none per row
    listed = new[0]
    assert listed["actor_name"] == "disp"
    assert listed["purpose"] == PURPOSE["X-Purpose"]
    assert listed["entity_ids"] == ["veh-9"]  # findable by the entity the tasks name
    assert task["id"] in listed["detail"]["tasks"]
    units = new[2]["detail"]["units"]
    assert crew.unit_id in units
    snapshot = new[-1]
    assert crew.unit_id in snapshot["detail"]["units"]
    assert task["id"] in snapshot["detail"]["tasks"]
    assert verify_chain(store).ok


def test_a_field_officers_own_task_list_is_audited_too(
    client: TestClient, crew: Crew, store: Store
) -> None:
    client.get("/api/tasks", headers=crew.officer).raise_for_status()
    last = _actions(store)[-1]
    assert (last["action"], last["actor_name"]) == ("task.list", "officer1")
