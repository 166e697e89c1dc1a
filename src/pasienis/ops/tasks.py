"""Tasks and their lifecycle: a state machine over an append-only event history.

``ops_tasks`` holds the current state for fast listing; ``ops_task_events`` holds every change
with who and when, and is never updated. An illegal transition is refused before anything is
written. Messages to the crew go through the outbox in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from pasienis.jobs import publish_in
from pasienis.ops.delivery.outbox import enqueue, mark_acked
from pasienis.ops.effects import Effects
from pasienis.ops.errors import IllegalTransitionError, OpsError, UnknownTaskError
from pasienis.ops.models import task_events, tasks
from pasienis.ops.service import get_unit

TRANSITIONS: dict[str, frozenset[str]] = {
    "created": frozenset({"assigned", "cancelled"}),
    "assigned": frozenset({"assigned", "delivered", "acknowledged", "rejected", "cancelled"}),
    "delivered": frozenset({"assigned", "acknowledged", "rejected", "cancelled"}),
    "acknowledged": frozenset({"en_route", "on_scene", "rejected", "cancelled"}),
    "en_route": frozenset({"on_scene", "cancelled"}),
    "on_scene": frozenset({"completed", "cancelled"}),
    "rejected": frozenset({"assigned", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
#: Statuses in which the task occupies its unit (workload) and the crew must hear of changes.
ACTIVE = frozenset({"assigned", "delivered", "acknowledged", "en_route", "on_scene"})
NEEDS_REASON = frozenset({"cancelled", "rejected"})


def create_task(
    conn: Connection,
    *,
    lat: float,
    lon: float,
    category: str,
    priority: int,
    description: str,
    actor: str,
    now: datetime,
    due_at: datetime | None = None,
    entity_ids: list[str] | None = None,
    evidence: dict[str, Any] | None = None,
    alert_id: str | None = None,
    effects: Effects | None = None,
) -> dict[str, Any]:
    """Create a task in status ``created`` (with its first event)."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise OpsError(f"task location out of range: {lat}, {lon}")
    if not 1 <= priority <= 5:
        raise OpsError("priority is 1 (highest) to 5 (lowest)")
    task_id = uuid.uuid4().hex
    conn.execute(
        insert(tasks).values(
            id=task_id,
            lat=lat,
            lon=lon,
            category=category,
            priority=priority,
            description=description,
            status="created",
            due_at=due_at,
            entity_ids=entity_ids or [],
            evidence=evidence or {},
            alert_id=alert_id,
            escalations=0,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
    )
    _event(
        conn, task_id=task_id, kind="created", before=None, after="created", actor=actor, now=now
    )
    task = get_task(conn, task_id=task_id)
    if effects is not None:
        effects.dispatch.append(_status_event(task))
    return task


def get_task(conn: Connection, *, task_id: str) -> dict[str, Any]:
    row = conn.execute(select(tasks).where(tasks.c.id == task_id)).mappings().first()
    if row is None:
        raise UnknownTaskError(f"no task {task_id!r}")
    return dict(row)


def list_tasks(
    conn: Connection,
    *,
    unit_ids: list[str] | None = None,
    status: list[str] | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Tasks, newest first; ``unit_ids`` restricts to those units (field officers)."""
    query = select(tasks).order_by(tasks.c.created_at.desc()).limit(limit)
    if unit_ids is not None:
        query = query.where(tasks.c.unit_id.in_(unit_ids))
    if status:
        query = query.where(tasks.c.status.in_(status))
    return [dict(r) for r in conn.execute(query).mappings()]


def history(conn: Connection, *, task_id: str) -> list[dict[str, Any]]:
    """The task's events in order."""
    get_task(conn, task_id=task_id)
    query = select(task_events).where(task_events.c.task_id == task_id).order_by(task_events.c.id)
    return [dict(r) for r in conn.execute(query).mappings()]


def transition(
    conn: Connection,
    *,
    task_id: str,
    to: str,
    actor: str,
    now: datetime,
    reason: str | None = None,
    outcome: str | None = None,
    data: dict[str, Any] | None = None,
    effects: Effects | None = None,
) -> dict[str, Any]:
    """Move a task to ``to`` (not for assignment: use :func:`assign`)."""
    task = get_task(conn, task_id=task_id)
    _check(task, to)
    if to == "assigned":
        raise OpsError("assign a task with assign(), which names the unit")
    if to in NEEDS_REASON and not (reason or "").strip():
        raise OpsError(f"a task is {to} only with a reason")
    values: dict[str, Any] = {"status": to, "updated_at": now}
    if outcome is not None:
        values["outcome"] = outcome
    conn.execute(update(tasks).where(tasks.c.id == task_id).values(**values))
    _event(
        conn,
        task_id=task_id,
        kind=to,
        before=task["status"],
        after=to,
        actor=actor,
        now=now,
        unit_id=task["unit_id"],
        reason=reason,
        data=data,
    )
    task = get_task(conn, task_id=task_id)
    if effects is not None:
        effects.dispatch.append(_status_event(task))
        if to == "cancelled" and task["unit_id"]:
            _withdraw(
                conn, task=task, unit_id=task["unit_id"], reason=reason, now=now, effects=effects
            )
        if to == "completed":
            effects.bus.append(publish_in(conn, topic="task.completed", payload=_bus_payload(task)))
    elif to == "cancelled" and task["unit_id"]:
        _withdraw(conn, task=task, unit_id=task["unit_id"], reason=reason, now=now, effects=None)
    return task


def assign(
    conn: Connection,
    *,
    task_id: str,
    unit_ref: str,
    actor: str,
    now: datetime,
    reason: str | None = None,
    effects: Effects | None = None,
) -> dict[str, Any]:
    """Assign (or re-assign) a task to a unit and queue the message to its device."""
    task = get_task(conn, task_id=task_id)
    _check(task, "assigned")
    unit = get_unit(conn, ref=unit_ref)
    previous = task["unit_id"]
    conn.execute(
        update(tasks)
        .where(tasks.c.id == task_id)
        .values(status="assigned", unit_id=unit["id"], assigned_at=now, updated_at=now)
    )
    _event(
        conn,
        task_id=task_id,
        kind="assigned",
        before=task["status"],
        after="assigned",
        actor=actor,
        now=now,
        unit_id=unit["id"],
        reason=reason,
    )
    task = get_task(conn, task_id=task_id)
    if previous and previous != unit["id"] and task["status"] in ACTIVE:
        _withdraw(conn, task=task, unit_id=previous, reason="re-assigned", now=now, effects=effects)
    seq = enqueue(
        conn,
        unit_id=unit["id"],
        kind="task.assigned",
        task_id=task_id,
        payload={"task": task_message(task)},
        now=now,
    )
    if effects is not None:
        effects.wake.add(unit["id"])
        effects.dispatch.append({**_status_event(task), "call_sign": unit["call_sign"], "seq": seq})
    return task


def _withdraw(
    conn: Connection,
    *,
    task: dict[str, Any],
    unit_id: str,
    reason: str | None,
    now: datetime,
    effects: Effects | None,
) -> None:
    enqueue(
        conn,
        unit_id=unit_id,
        kind="task.withdrawn",
        task_id=task["id"],
        payload={"task_id": task["id"], "reason": reason},
        now=now,
    )
    if effects is not None:
        effects.wake.add(unit_id)


def device_acked(
    conn: Connection, *, unit_id: str, upto_seq: int, now: datetime, effects: Effects | None
) -> list[str]:
    """A device has every message up to ``upto_seq``: mark them, and tasks ``delivered``.

    Idempotent: a repeated or older ack changes nothing, so a task is delivered exactly once
    however often the device re-sends its ack (or re-connects with the same last sequence).
    """
    delivered = []
    for _seq, kind, task_id in mark_acked(conn, unit_id=unit_id, upto_seq=upto_seq, now=now):
        if kind != "task.assigned" or task_id is None:
            continue
        task = get_task(conn, task_id=task_id)
        if task["status"] == "assigned" and task["unit_id"] == unit_id:
            transition(
                conn,
                task_id=task_id,
                to="delivered",
                actor=f"device:{unit_id}",
                now=now,
                effects=effects,
            )
            delivered.append(task_id)
    return delivered


def _check(task: dict[str, Any], to: str) -> None:
    allowed = TRANSITIONS.get(task["status"], frozenset())
    if to not in allowed:
        raise IllegalTransitionError(
            f"task {task['id']} cannot go from {task['status']} to {to}",
            hint=f"from {task['status']} it can go to: {', '.join(sorted(allowed)) or 'nothing'}",
        )


def _event(
    conn: Connection,
    *,
    task_id: str,
    kind: str,
    before: str | None,
    after: str,
    actor: str,
    now: datetime,
    unit_id: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        insert(task_events).values(
            task_id=task_id,
            kind=kind,
            from_status=before,
            to_status=after,
            unit_id=unit_id,
            actor=actor,
            reason=reason,
            data=data,
            at=now,
        )
    )


def note_task(
    conn: Connection, *, task_id: str, text: str, actor: str, now: datetime
) -> dict[str, Any]:
    """A ``note`` event: the task keeps its status; the note joins its history."""
    task = get_task(conn, task_id=task_id)
    _event(conn, task_id=task_id, kind="note", before=task["status"], after=task["status"],
           actor=actor, now=now, unit_id=task["unit_id"], data={"text": text})  # fmt: skip
    return {"task_id": task_id, "kind": "note", "text": text, "actor": actor,
            "at": now.isoformat()}  # fmt: skip


def record_escalation(
    conn: Connection, *, task: dict[str, Any], actor: str, now: datetime, reason: str
) -> None:
    """An ``escalated`` event (not a transition) and a fresh ack deadline."""
    conn.execute(
        update(tasks)
        .where(tasks.c.id == task["id"])
        .values(escalations=tasks.c.escalations + 1, assigned_at=now, updated_at=now)
    )
    _event(
        conn,
        task_id=task["id"],
        kind="escalated",
        before=task["status"],
        after=task["status"],
        actor=actor,
        now=now,
        unit_id=task["unit_id"],
        reason=reason,
    )


def task_message(task: dict[str, Any]) -> dict[str, Any]:
    """What a crew's device receives about a task (JSON-safe)."""
    return {
        "id": task["id"],
        "lat": task["lat"],
        "lon": task["lon"],
        "category": task["category"],
        "priority": task["priority"],
        "description": task["description"],
        "due_at": task["due_at"].isoformat() if task["due_at"] else None,
        "entity_ids": task["entity_ids"] or [],
        "status": task["status"],
    }


def _status_event(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "task",
        "task_id": task["id"],
        "status": task["status"],
        "unit_id": task["unit_id"],
        "category": task["category"],
        "priority": task["priority"],
        "lat": task["lat"],
        "lon": task["lon"],
        "at": task["updated_at"].isoformat(),
    }


def _bus_payload(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "task_id": task["id"],
        "unit_id": task["unit_id"],
        "category": task["category"],
        "outcome": task["outcome"],
        "entity_ids": task["entity_ids"] or [],
        "alert_id": task["alert_id"],
    }
