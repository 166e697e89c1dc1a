"""Escalation: a task assigned but not acknowledged in time is re-assigned or raised.

:func:`escalate_overdue` takes ``now`` so tests can run it with a fake clock; the server runs
it in a loop from the app lifespan (:func:`escalation_loop`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from pasienis.ops.assignment import Speeds, suggest_units
from pasienis.ops.delivery.hub import Hub
from pasienis.ops.effects import Effects
from pasienis.ops.models import task_events, tasks
from pasienis.ops.tasks import assign, record_escalation
from pasienis.store import Store

log = logging.getLogger(__name__)
ACTOR = "system:escalation"


def escalate_overdue(
    conn: Connection,
    *,
    now: datetime,
    timeout: timedelta,
    reassign: bool,
    speeds: Speeds,
    effects: Effects,
) -> list[dict[str, Any]]:
    """Escalate every task assigned/delivered before ``now - timeout``; returns what was done."""
    overdue = (
        conn.execute(
            select(tasks)
            .where(
                tasks.c.status.in_(("assigned", "delivered")), tasks.c.assigned_at < now - timeout
            )
            .order_by(tasks.c.priority, tasks.c.assigned_at)
        )
        .mappings()
        .all()
    )
    done = []
    for row in overdue:
        task = dict(row)
        tried = _units_tried(conn, task_id=task["id"])
        best = None
        if reassign:
            ranked = suggest_units(
                conn,
                lat=task["lat"],
                lon=task["lon"],
                category=task["category"],
                speeds=speeds,
                exclude=tried,
                limit=1,
            )
            best = ranked[0] if ranked and ranked[0]["score"] is not None else None
        reason = f"not acknowledged within {timeout.total_seconds() / 60:g} min"
        record_escalation(conn, task=task, actor=ACTOR, now=now, reason=reason)
        event = {
            "type": "overdue",
            "task_id": task["id"],
            "status": task["status"],
            "unit_id": task["unit_id"],
            "priority": task["priority"],
            "reason": reason,
            "at": now.isoformat(),
        }
        if best is not None:
            assign(
                conn,
                task_id=task["id"],
                unit_ref=best["unit_id"],
                actor=ACTOR,
                now=now,
                reason=reason,
                effects=effects,
            )
            event["reassigned_to"] = best["unit_id"]
        effects.dispatch.append(event)
        done.append(event)
    return done


def _units_tried(conn: Connection, *, task_id: str) -> set[str]:
    rows = conn.execute(
        select(task_events.c.unit_id).where(
            task_events.c.task_id == task_id, task_events.c.kind == "assigned"
        )
    )
    return {r[0] for r in rows if r[0]}


async def escalation_loop(
    store: Store,
    *,
    hub: Hub,
    bus: Any | None,
    interval_s: float,
    timeout: timedelta,  # noqa: ASYNC109 - the ack deadline of tasks, not a timeout of this call
    reassign: bool,
    speeds: Speeds,
) -> None:
    """Run :func:`escalate_overdue` every ``interval_s`` until cancelled."""

    def once() -> Effects:
        effects = Effects()
        with store.begin() as conn:
            escalate_overdue(
                conn,
                now=datetime.now(UTC),
                timeout=timeout,
                reassign=reassign,
                speeds=speeds,
                effects=effects,
            )
        return effects

    while True:
        await asyncio.sleep(interval_s)
        try:
            effects = await asyncio.to_thread(once)
        except Exception:
            log.exception("escalation pass failed; retrying next interval")
            continue
        effects.release(hub=hub, bus=bus)
