"""Task lifecycle over the API: roles, legal and illegal transitions, escalation, alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from ops_helpers import Crew, make_unit
from sqlalchemy import select

from pasienis.model.events import plate_reads, violations
from pasienis.ops import tasks as task_service
from pasienis.ops.assignment import Speeds, set_rule
from pasienis.ops.effects import Effects
from pasienis.ops.escalation import escalate_overdue
from pasienis.ops.models import outbox, units
from pasienis.store import Store

VILNIUS = {"lat": 54.6872, "lon": 25.2797}


def new_task(client: TestClient, crew: Crew, **extra: object) -> dict:
    body = {
        **VILNIUS,
        "category": "inspection",
        "priority": 2,
        "description": "Check the lorry at the lay-by",
        **extra,
    }
    response = client.post("/api/tasks", json=body, headers=crew.dispatcher)
    assert response.status_code == 201, response.text
    return response.json()


def move(client: TestClient, headers: dict, task_id: str, status: str, **kw: object):
    return client.post(
        f"/api/tasks/{task_id}/status", json={"status": status, **kw}, headers=headers
    )


def test_full_lifecycle_with_history_and_violation(
    client: TestClient, crew: Crew, store: Store
) -> None:
    task = new_task(client, crew, unit="ALFA-1", entity_ids=["veh-1"])
    assert task["status"] == "assigned"
    task_id = task["id"]
    with store.begin() as conn:  # the device acknowledges the delivery of seq 1
        assert task_service.device_acked(
            conn, unit_id=crew.unit_id, upto_seq=1, now=datetime.now(UTC), effects=None
        ) == [task_id]
    for status in ("acknowledged", "en_route", "on_scene"):
        assert move(client, crew.officer, task_id, status).json()["status"] == status
    report = {
        "category": "smuggling",
        "quantity": 30,
        "unit_of_measure": "cartons",
        "vehicle_id": "veh-1",
        "description": "cigarettes behind panel",
    }
    done = move(client, crew.officer, task_id, "completed", outcome="seized", violation=report)
    assert done.status_code == 200, done.text
    assert done.json()["outcome"] == "seized"
    events = client.get(f"/api/tasks/{task_id}/events", headers=crew.dispatcher).json()
    assert [e["to_status"] for e in events] == [
        "created",
        "assigned",
        "delivered",
        "acknowledged",
        "en_route",
        "on_scene",
        "completed",
    ]
    assert events[-1]["actor"] == "user:officer1"
    assert events[2]["actor"].startswith("device:")
    with store.read() as conn:
        row = conn.execute(select(violations)).mappings().one()
    assert (row["category"], row["found_by"], row["quantity"]) == ("smuggling", "ALFA-1", 30)
    assert row["locator"] == f"task:{task_id}"
    assert events[-1]["data"]["violation_id"] == row["id"]


@pytest.mark.parametrize(
    ("path", "status", "kw"),
    [
        ([], "completed", {}),  # created → completed
        ([], "acknowledged", {}),  # nobody assigned yet
        (["acknowledged"], "completed", {}),  # must be on scene first
        (["acknowledged", "en_route", "on_scene", "completed"], "cancelled", {"reason": "x"}),
    ],
)
def test_illegal_transitions_are_refused_with_a_clear_error(
    client: TestClient, crew: Crew, path: list[str], status: str, kw: dict
) -> None:
    task = new_task(client, crew, unit="ALFA-1" if path else None)
    for step in path:
        assert move(client, crew.dispatcher, task["id"], step).status_code == 200
    before = client.get(f"/api/tasks/{task['id']}", headers=crew.dispatcher).json()["status"]
    response = move(client, crew.dispatcher, task["id"], status, **kw)
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("illegal-transition")
    assert f"from {before} to {status}" in problem["title"]
    after = client.get(f"/api/tasks/{task['id']}", headers=crew.dispatcher).json()["status"]
    assert after == before


def test_reject_and_cancel_need_a_reason(client: TestClient, crew: Crew) -> None:
    task = new_task(client, crew, unit="ALFA-1")
    assert move(client, crew.officer, task["id"], "rejected").status_code == 400
    ok = move(client, crew.officer, task["id"], "rejected", reason="vehicle broke down")
    assert ok.json()["status"] == "rejected"
    assert move(client, crew.officer, task["id"], "cancelled", reason="x").status_code == 403
    assert move(client, crew.dispatcher, task["id"], "cancelled", reason="dup").status_code == 200


def test_field_officer_sees_only_own_units_tasks(client: TestClient, crew: Crew) -> None:
    mine = new_task(client, crew, unit="ALFA-1")
    theirs = new_task(client, crew, unit="BRAVO-2")
    listed = client.get("/api/tasks", headers=crew.officer).json()
    assert [t["id"] for t in listed] == [mine["id"]]
    assert client.get(f"/api/tasks/{theirs['id']}", headers=crew.officer).status_code == 403
    assert move(client, crew.officer, theirs["id"], "acknowledged").status_code == 403
    assert client.get(f"/api/tasks/{mine['id']}", headers=crew.officer).status_code == 200
    # Officers cannot dispatch, and nobody unauthenticated gets anything.
    assert (
        client.post(
            "/api/tasks",
            json={**VILNIUS, "category": "x", "description": "y"},
            headers=crew.officer,
        ).status_code
        == 403
    )
    assert client.get("/api/tasks").status_code == 401


def test_escalation_reassigns_then_alerts(client: TestClient, crew: Crew, store: Store) -> None:
    now = datetime.now(UTC)
    with store.begin() as conn:  # both units have a good position; BRAVO is farther away
        conn.execute(
            units.update()
            .where(units.c.call_sign == "ALFA-1")
            .values(last_lat=54.69, last_lon=25.28, last_fix_at=now)
        )
        conn.execute(
            units.update()
            .where(units.c.call_sign == "BRAVO-2")
            .values(last_lat=54.90, last_lon=25.28, last_fix_at=now)
        )
    task = new_task(client, crew, unit="ALFA-1")
    args = {"timeout": timedelta(minutes=5), "reassign": True, "speeds": Speeds()}
    with store.begin() as conn:  # not yet overdue
        assert (
            escalate_overdue(conn, now=now + timedelta(minutes=4), effects=Effects(), **args) == []
        )
    with store.begin() as conn:
        [done] = escalate_overdue(conn, now=now + timedelta(minutes=6), effects=Effects(), **args)
        assert done["reassigned_to"] != crew.unit_id
        assert task_service.get_task(conn, task_id=task["id"])["unit_id"] == done["reassigned_to"]
        kinds = [r.kind for r in conn.execute(select(outbox).order_by(outbox.c.seq))]
    assert "task.withdrawn" in kinds  # ALFA was told the task is no longer theirs
    with store.begin() as conn:  # every unit has been tried: only the dispatcher is alerted
        [again] = escalate_overdue(conn, now=now + timedelta(minutes=12), effects=Effects(), **args)
    assert "reassigned_to" not in again
    assert again["type"] == "overdue"
    events = client.get(f"/api/tasks/{task['id']}/events", headers=crew.dispatcher).json()
    assert [e["kind"] for e in events].count("escalated") == 2
    # An acknowledged task is never escalated.
    assert move(client, crew.dispatcher, task["id"], "acknowledged").status_code == 200
    with store.begin() as conn:
        assert escalate_overdue(conn, now=now + timedelta(hours=1), effects=Effects(), **args) == []


def test_suggestions_rank_by_eta_skills_and_rule_auto_assigns(
    client: TestClient, crew: Crew, store: Store
) -> None:
    now = datetime.now(UTC)
    make_unit(store, "CHARLIE-3", "777", skills=["dog"])
    with store.begin() as conn:
        for sign, lat in (("ALFA-1", 54.80), ("BRAVO-2", 54.70), ("CHARLIE-3", 54.69)):
            conn.execute(
                units.update()
                .where(units.c.call_sign == sign)
                .values(last_lat=lat, last_lon=25.28, last_fix_at=now)
            )
        set_rule(conn, category="drugs", required_skills=["dog"], auto_assign=True)
    ranked = client.get(
        "/api/ops/suggest", params={**VILNIUS, "category": "drugs"}, headers=crew.dispatcher
    ).json()
    assert [r["call_sign"] for r in ranked] == ["CHARLIE-3", "ALFA-1"]  # BRAVO has no dog
    assert ranked[0]["method"] in {"great-circle", "valhalla", "road"}
    assert ranked[0]["eta_s"] < ranked[1]["eta_s"]
    task = new_task(client, crew, category="drugs")
    assert task["status"] == "assigned"
    assert task["unit_id"] == ranked[0]["unit_id"]
    # Workload counts: CHARLIE now has a task, ALFA is farther but free — still CHARLIE by ETA?
    again = client.get(f"/api/tasks/{task['id']}/suggestions", headers=crew.dispatcher).json()
    assert {r["call_sign"]: r["workload"] for r in again}["CHARLIE-3"] == 1


def test_task_from_an_alert_built_from_an_ingested_plate_read(
    client: TestClient, crew: Crew, store: Store
) -> None:
    read_at = datetime(2026, 11, 29, 7, 45, tzinfo=UTC)
    row = (
        "pr-test-1",
        read_at,
        54.3915,
        24.0436,
        "anpr",
        "cam-7:991",
        None,
        {"lane": 2},
        "MED-7",
        "ABC123",
        "ABC 123",
        "LT",
        0.97,
        "veh-abc123",
    )
    columns = (
        "id",
        "occurred_at",
        "lat",
        "lon",
        "dataset",
        "locator",
        "run_id",
        "attributes",
        "camera_id",
        "plate",
        "plate_raw",
        "country",
        "confidence",
        "vehicle_id",
    )
    with store.begin() as conn:
        store.bulk_insert(conn, plate_reads, columns, [row])
    with store.read() as conn:
        read = conn.execute(select(plate_reads)).mappings().one()
    alert = {
        "alert_id": f"watch:{read['id']}",
        "occurred_at": read["occurred_at"].isoformat(),
        "lat": read["lat"],
        "lon": read["lon"],
        "category": "watchlist",
        "priority": 1,
        "text": f"Watch-listed plate {read['plate']} read by {read['camera_id']}",
        "entity_ids": [read["vehicle_id"]],
        "evidence": {"plate_read_id": read["id"], "confidence": read["confidence"]},
    }
    response = client.post("/api/tasks/from-alert", json=alert, headers=crew.dispatcher)
    assert response.status_code == 201, response.text
    task = response.json()
    assert (task["lat"], task["lon"]) == (54.3915, 24.0436)
    assert task["entity_ids"] == ["veh-abc123"]
    assert task["evidence"]["plate_read_id"] == "pr-test-1"
    assert task["evidence"]["occurred_at"].startswith("2026-11-29T07:45")
    assert task["priority"] == 1
    # The same alert again (a retried event) does not make a second task.
    again = client.post("/api/tasks/from-alert", json=alert, headers=crew.dispatcher).json()
    assert again["id"] == task["id"]
    assert (
        client.post(
            "/api/tasks/from-alert", json={**alert, "lat": 99}, headers=crew.dispatcher
        ).status_code
        == 422
    )
