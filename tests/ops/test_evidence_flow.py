"""A seizure recorded in the field becomes a Seizure entity (evidence) in the graph."""

from __future__ import annotations

from fastapi.testclient import TestClient
from ops_helpers import Crew

from pasienis.ingest.evidence import seizure_id
from pasienis.model import load_entity
from pasienis.store import Store


def test_completed_task_with_violation_becomes_seizure_evidence(
    client: TestClient, crew: Crew, store: Store
) -> None:
    body = {"lat": 54.64, "lon": 25.74, "category": "vehicle_stop", "priority": 1,
            "description": "Stop truck", "unit": crew.call_sign}  # fmt: skip
    task = client.post("/api/tasks", json=body, headers=crew.dispatcher).json()
    for status in ("acknowledged", "en_route", "on_scene"):
        client.post(f"/api/tasks/{task['id']}/status", json={"status": status},
                    headers=crew.officer).raise_for_status()  # fmt: skip
    report = {"category": "cigarettes", "quantity": 400, "unit_of_measure": "packs",
              "value_eur": 2200, "vehicle_id": "veh-KLM482",
              "lat": 54.6401, "lon": 25.7402}  # fmt: skip
    change = {"status": "completed", "outcome": "seized", "violation": report}
    done = client.post(f"/api/tasks/{task['id']}/status", headers=crew.officer, json=change)
    done.raise_for_status()
    events = client.get(f"/api/tasks/{task['id']}/events", headers=crew.dispatcher).json()
    violation_id = next(e["data"]["violation_id"] for e in events if e["to_status"] == "completed")

    with store.read() as conn:
        seizure = load_entity(conn, seizure_id(violation_id))
    assert seizure.schema.name == "Seizure"
    assert seizure.get("goodsCategory") == ["cigarettes"]
    assert seizure.get("vehicle") == ["veh-KLM482"]
    assert seizure.get("foundBy") == [crew.call_sign]
    assert seizure.get("latitude") == ["54.6401"]
    facts = [s for s in seizure.statements if s.prop != "id"]
    assert {s.dataset for s in facts} == {"ops"}
    assert {s.origin for s in facts} == {f"task:{task['id']}"}
