"""Task actions and crew-track reads are logged in the hash-chained audit, with purpose."""

from __future__ import annotations

from fastapi.testclient import TestClient
from ops_helpers import Crew

from pasienis.security.audit import search_audit, verify_chain
from pasienis.store import Store


def test_task_actions_are_audited_with_who_and_purpose(
    client: TestClient, crew: Crew, store: Store
) -> None:
    body = {"lat": 54.64, "lon": 25.74, "category": "vehicle_stop", "priority": 2,
            "description": "Stop KLM 482", "entity_ids": ["veh-1"]}  # fmt: skip
    purpose = {"X-Purpose": "case 2026/117 interception"}
    task = client.post("/api/tasks", json=body, headers={**crew.dispatcher, **purpose}).json()
    client.post(f"/api/tasks/{task['id']}/assign", json={"unit": crew.call_sign},
                headers=crew.dispatcher).raise_for_status()  # fmt: skip
    client.post(f"/api/tasks/{task['id']}/status", json={"status": "acknowledged"},
                headers=crew.officer).raise_for_status()  # fmt: skip
    client.post(f"/api/tasks/{task['id']}/notes", json={"text": "on our way"},
                headers=crew.officer).raise_for_status()  # fmt: skip
    client.get(f"/api/ops/units/{crew.unit_id}/track", headers=crew.dispatcher).raise_for_status()

    with store.read() as conn:
        entries = search_audit(conn, limit=50)
        by_vehicle = search_audit(conn, entity="veh-1")
    actions = [e["action"] for e in reversed(entries)]
    for expected in ("task.create", "task.assign", "task.acknowledged", "task.note",
                     "unit.track.read"):  # fmt: skip
        assert expected in actions, actions
    created = next(e for e in entries if e["action"] == "task.create")
    assert created["purpose"] == "case 2026/117 interception"
    assert created["actor_name"] == "disp"
    assert any(e["action"] == "task.create" for e in by_vehicle), "findable by linked entity"
    acked = next(e for e in entries if e["action"] == "task.acknowledged")
    assert acked["actor_name"] == "officer1"
    assert verify_chain(store).ok
