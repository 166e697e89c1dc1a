"""Operations that open their own transaction and release their effects after the commit.

An :class:`Ops` bundles the store, settings, the live hub and the event bus, so the API, the
CLI, the MQTT bridge and tests all run the same code. Tasks from alerts arrive here too: one
call turns an alert (place, time, linked entities, evidence) into a task, idempotently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from pasienis.config import Settings
from pasienis.jobs import publish_in
from pasienis.model import make_id
from pasienis.model.events import violations
from pasienis.ops.assignment import Speeds, get_rule, suggest_units
from pasienis.ops.delivery.hub import Hub
from pasienis.ops.device_auth import AuthCache
from pasienis.ops.effects import Effects
from pasienis.ops.models import tasks
from pasienis.ops.position_writer import PositionWriter
from pasienis.ops.quality import FixRules
from pasienis.ops.schemas import AlertIn, TaskCreate, TaskTransition, ViolationReport
from pasienis.ops.service import get_unit
from pasienis.ops.tasks import (
    assign,
    create_task,
    device_acked,
    get_task,
    note_task,
    transition,
)
from pasienis.security.idempotency import guarded
from pasienis.store import Store


@dataclass
class Ops:
    """What every ops operation needs; ``bus`` is a :class:`pasienis.jobs.Bus` or ``None``."""

    store: Store
    settings: Settings
    hub: Hub = field(default_factory=Hub)
    bus: Any | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    #: Devices authenticated lately (checked again against the store when a fix is stored).
    auth_cache: AuthCache = field(default_factory=AuthCache)
    #: Counts of what was dropped or refused (``mqtt.bad_message``...), for logs and metrics.
    counters: Counter[str] = field(default_factory=Counter)
    writer: PositionWriter = field(init=False)
    #: Local reactions to a revocation from another worker (the API closes those sockets).
    revoke_hooks: list[Callable[[list[str]], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.writer = PositionWriter(
            self.store, rules=FixRules.from_settings(self.settings), hub=self.hub
        )

    def run(self, work: Callable[[Connection, Effects], Any]) -> Any:
        """Run ``work`` in one write transaction, then release its effects.

        When the request carries an idempotency key, the key and the answer are written in
        this same transaction (:func:`pasienis.security.idempotency.guarded`).
        """
        effects = Effects()
        with self.store.begin() as conn, guarded(conn) as record:
            result = work(conn, effects)
            record(result)
        effects.release(hub=self.hub, bus=self.bus)
        return result

    def credentials_changed(self, subjects: list[str]) -> None:
        """A credential changed here (``device:<id>``, ``user:<id>``...): forget what is
        cached of it and tell the other workers."""
        self._forget(subjects)
        if self.hub.relay is not None:
            self.hub.relay.send("revoke", subjects)

    def revoked_elsewhere(self, subjects: list[str]) -> None:
        """Another worker changed these credentials: forget them, close their sockets here."""
        self._forget(subjects)
        for hook in self.revoke_hooks:
            hook(subjects)

    def _forget(self, subjects: list[str]) -> None:
        for subject in subjects:
            if subject.startswith("device:"):
                self.auth_cache.forget(subject.removeprefix("device:"))

    @property
    def speeds(self) -> Speeds:
        return Speeds.from_settings(self.settings)


def create(ops: Ops, *, data: TaskCreate, actor: str) -> dict[str, Any]:
    """Create a task; assign it at once if a unit is named or the category's rule says so."""

    def work(conn: Connection, effects: Effects) -> dict[str, Any]:
        task = create_task(
            conn,
            lat=data.lat,
            lon=data.lon,
            category=data.category,
            priority=data.priority,
            description=data.description,
            actor=actor,
            now=ops.clock(),
            due_at=data.due_at,
            entity_ids=data.entity_ids,
            effects=effects,
        )
        return _maybe_assign(ops, conn, task=task, unit=data.unit, actor=actor, effects=effects)

    return ops.run(work)


def _maybe_assign(
    ops: Ops,
    conn: Connection,
    *,
    task: dict[str, Any],
    unit: str | None,
    actor: str,
    effects: Effects,
) -> dict[str, Any]:
    if unit:
        return assign(
            conn, task_id=task["id"], unit_ref=unit, actor=actor, now=ops.clock(), effects=effects
        )
    rule = get_rule(conn, category=task["category"])
    if not rule or not rule["auto_assign"]:
        return task
    ranked = suggest_units(
        conn,
        lat=task["lat"],
        lon=task["lon"],
        category=task["category"],
        speeds=ops.speeds,
        limit=1,
    )
    if not ranked or ranked[0]["score"] is None:
        return task
    return assign(
        conn,
        task_id=task["id"],
        unit_ref=ranked[0]["unit_id"],
        actor="system:rule",
        now=ops.clock(),
        reason=f"rule for {task['category']}",
        effects=effects,
    )


def assign_task(ops: Ops, *, task_id: str, unit: str, actor: str) -> dict[str, Any]:
    return ops.run(
        lambda conn, effects: assign(
            conn, task_id=task_id, unit_ref=unit, actor=actor, now=ops.clock(), effects=effects
        )
    )


def change_status(ops: Ops, *, task_id: str, change: TaskTransition, actor: str) -> dict[str, Any]:
    """A crew or dispatcher moves a task on; completion may carry a violation report."""

    def work(conn: Connection, effects: Effects) -> dict[str, Any]:
        now = ops.clock()
        data = None
        if change.violation is not None:
            if change.status != "completed":
                from pasienis.ops.errors import OpsError

                raise OpsError("a violation report comes only with completion")
            task = get_task(conn, task_id=task_id)
            data = {
                "violation_id": record_violation(
                    conn, task=task, report=change.violation, now=now, effects=effects
                )
            }
        return transition(
            conn,
            task_id=task_id,
            to=change.status,
            actor=actor,
            now=now,
            reason=change.reason,
            outcome=change.outcome,
            data=data,
            effects=effects,
        )

    return ops.run(work)


def add_note(ops: Ops, *, task_id: str, text: str, actor: str) -> dict[str, Any]:
    """Append a note to the task's history (not a status change)."""

    def work(conn: Connection, _effects: Effects) -> dict[str, Any]:
        return note_task(conn, task_id=task_id, text=text, actor=actor, now=ops.clock())

    return ops.run(work)


def record_violation(
    conn: Connection,
    *,
    task: dict[str, Any],
    report: ViolationReport,
    now: datetime,
    effects: Effects,
) -> str:
    """Write the crew's violation report into ``violations`` and publish violation.recorded."""
    call_sign = get_unit(conn, ref=task["unit_id"])["call_sign"] if task["unit_id"] else None
    violation_id = make_id("ops-violation", task["id"])
    # The phone's GPS fix is where the goods were found; the task's point is only where to go.
    has_fix = report.lat is not None and report.lon is not None
    attributes = {"task_id": task["id"], "entity_ids": task["entity_ids"] or [],
                  "position": "gps" if has_fix else "task"}  # fmt: skip
    if report.accuracy_m is not None:
        attributes["accuracy_m"] = report.accuracy_m
    row = {
        "id": violation_id,
        "occurred_at": now,
        "lat": report.lat if has_fix else task["lat"],
        "lon": report.lon if has_fix else task["lon"],
        "dataset": "ops",
        "locator": f"task:{task['id']}",
        "run_id": None,
        "attributes": attributes,
        "category": report.category,
        "quantity": report.quantity,
        "unit_of_measure": report.unit_of_measure,
        "value_eur": report.value_eur,
        "found_by": call_sign,
        "person_id": report.person_id,
        "vehicle_id": report.vehicle_id,
        "description": report.description,
    }
    conn.execute(violations.insert().values(**row))
    payload = {
        "violation_id": violation_id,
        "task_id": task["id"],
        "category": report.category,
        "found_by": call_sign,
        "person_id": report.person_id,
        "vehicle_id": report.vehicle_id,
        "entity_ids": task["entity_ids"] or [],
    }
    effects.bus.append(publish_in(conn, topic="violation.recorded", payload=payload))
    return violation_id


def task_from_alert(ops: Ops, *, alert: AlertIn, actor: str) -> dict[str, Any]:
    """Turn an alert into a task in one action; the same alert twice gives the same task."""

    def work(conn: Connection, effects: Effects) -> dict[str, Any]:
        existing = conn.execute(select(tasks.c.id).where(tasks.c.alert_id == alert.alert_id))
        found = existing.scalar()
        if found:
            return get_task(conn, task_id=found)
        evidence = {
            **alert.evidence,
            "alert_id": alert.alert_id,
            "occurred_at": alert.occurred_at.isoformat(),
        }
        task = create_task(
            conn,
            lat=alert.lat,
            lon=alert.lon,
            category=alert.category,
            priority=alert.priority,
            description=alert.text,
            actor=actor,
            now=ops.clock(),
            entity_ids=alert.entity_ids,
            evidence=evidence,
            alert_id=alert.alert_id,
            effects=effects,
        )
        return _maybe_assign(ops, conn, task=task, unit=None, actor=actor, effects=effects)

    return ops.run(work)


def on_alert_raised(ops: Ops) -> Callable[[Any], None]:
    """A bus handler for ``alert.raised``: the payload is an :class:`AlertIn`."""

    def handler(event: Any) -> None:
        task_from_alert(ops, alert=AlertIn.model_validate(event.payload), actor="system:alert")

    return handler


def device_ack(ops: Ops, *, unit_id: str, upto_seq: int) -> list[str]:
    """A device acknowledged everything up to ``upto_seq``; tasks become ``delivered``."""
    return ops.run(
        lambda conn, effects: device_acked(
            conn, unit_id=unit_id, upto_seq=upto_seq, now=ops.clock(), effects=effects
        )
    )
