"""Scheduled and recurring tasks, planned against unit shifts, with their conflicts.

A schedule says "a checkpoint watch every night 22:00-02:00" (weekdays, a local start time in
Europe/Vilnius, a duration, optionally a fixed unit). Its occurrences in a window are planned:
a fixed unit keeps it; otherwise the unit whose shift covers the occurrence and that is not
busy with another occurrence then. What cannot be planned is a conflict, shown to the
dispatcher: no shift covers it, the fixed unit is off shift, or two occurrences overlap for
one unit. Materialising turns planned occurrences into assigned tasks, once each.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select

from pasienis.errors import NotFoundError
from pasienis.ops.effects import Effects
from pasienis.ops.service import get_unit
from pasienis.ops.tasks import assign, create_task
from pasienis.planning.errors import PlanningError
from pasienis.planning.models import schedule_occurrences, task_schedules, unit_shifts

LOCAL = ZoneInfo("Europe/Vilnius")
MAX_WINDOW = timedelta(days=62)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One time a schedule happens, and how it was planned."""

    schedule_id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    unit_id: str | None
    conflicts: tuple[str, ...] = ()
    task_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schedule_id": self.schedule_id, "title": self.title,
            "starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat(),
            "unit_id": self.unit_id, "conflicts": list(self.conflicts), "task_id": self.task_id,
        }  # fmt: skip


def _check_start(text: str) -> str:
    try:
        hours, minutes = (int(x) for x in text.split(":"))
    except ValueError as exc:
        raise PlanningError(f"start time {text!r} is not HH:MM") from exc
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise PlanningError(f"start time {text!r} is not a time of day")
    return f"{hours:02d}:{minutes:02d}"


def add_schedule(
    conn: Connection, *, data: dict[str, Any], actor: str, now: datetime
) -> dict[str, Any]:
    """Store a schedule (validated: weekdays 0-6, HH:MM, 1 minute to 24 hours, a known unit)."""
    weekdays = sorted(set(data["weekdays"]))
    if not weekdays or any(not 0 <= d <= 6 for d in weekdays):
        raise PlanningError("weekdays are 0 (Monday) to 6 (Sunday), at least one")
    if not 1 <= int(data["minutes"]) <= 24 * 60:
        raise PlanningError("a scheduled task lasts 1 minute to 24 hours")
    if data.get("unit"):
        data = {**data, "unit_id": get_unit(conn, ref=data["unit"])["id"]}
    row = {
        "id": uuid.uuid4().hex, "title": data["title"], "category": data.get("category", "patrol"),
        "priority": int(data.get("priority", 3)), "lat": data["lat"], "lon": data["lon"],
        "unit_id": data.get("unit_id"), "weekdays": weekdays,
        "start_local": _check_start(data["start_local"]), "minutes": int(data["minutes"]),
        "valid_from": data.get("valid_from") or now, "valid_until": data.get("valid_until"),
        "active": 1, "created_by": actor, "created_at": now,
    }  # fmt: skip
    conn.execute(insert(task_schedules).values(**row))
    return row


def add_shift(
    conn: Connection, *, unit: str, starts_at: datetime, ends_at: datetime, note: str | None = None
) -> dict[str, Any]:
    """A unit is on duty from ``starts_at`` to ``ends_at``."""
    if ends_at <= starts_at:
        raise PlanningError("a shift ends after it starts")
    row = {"id": uuid.uuid4().hex, "unit_id": get_unit(conn, ref=unit)["id"],
           "starts_at": starts_at, "ends_at": ends_at, "note": note}  # fmt: skip
    conn.execute(insert(unit_shifts).values(**row))
    return row


def occurrences_of(
    schedule: dict[str, Any], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The (start, end) of every occurrence beginning in [start, end), in UTC.

    Local wall time is kept across daylight-saving changes: a 22:00 watch starts at 22:00 in
    Vilnius in winter and summer alike.
    """
    hours, minutes = (int(x) for x in schedule["start_local"].split(":"))
    day = start.astimezone(LOCAL).date() - timedelta(days=1)
    last = end.astimezone(LOCAL).date()
    out = []
    while day <= last:
        if day.weekday() in schedule["weekdays"]:
            begins = datetime(
                day.year, day.month, day.day, hours, minutes, tzinfo=LOCAL
            ).astimezone(UTC)
            valid_until = schedule.get("valid_until")
            if (
                start <= begins < end
                and begins >= schedule["valid_from"]
                and (valid_until is None or begins < valid_until)
            ):
                out.append((begins, begins + timedelta(minutes=schedule["minutes"])))
        day += timedelta(days=1)
    return out


@dataclass(slots=True)
class _Board:
    """Shifts per unit and what each unit is already booked for."""

    shifts: dict[str, list[tuple[datetime, datetime]]]
    booked: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)

    def on_shift(self, unit_id: str, a: datetime, b: datetime) -> bool:
        return any(s <= a and b <= e for s, e in self.shifts.get(unit_id, []))

    def free(self, unit_id: str, a: datetime, b: datetime) -> bool:
        return all(b <= s or e <= a for s, e in self.booked.get(unit_id, []))

    def book(self, unit_id: str, a: datetime, b: datetime) -> None:
        self.booked.setdefault(unit_id, []).append((a, b))


def _plan_one(
    board: _Board, schedule: dict[str, Any], a: datetime, b: datetime
) -> tuple[str | None, tuple[str, ...]]:
    fixed = schedule["unit_id"]
    if fixed:
        problems = []
        if not board.on_shift(fixed, a, b):
            problems.append("the unit is not on shift then")
        if not board.free(fixed, a, b):
            problems.append("the unit has another scheduled task then")
        board.book(fixed, a, b)
        return fixed, tuple(problems)
    for unit_id in sorted(board.shifts):
        if board.on_shift(unit_id, a, b) and board.free(unit_id, a, b):
            board.book(unit_id, a, b)
            return unit_id, ()
    return None, ("no unit is on shift and free then",)


def plan_window(conn: Connection, *, start: datetime, end: datetime) -> list[Occurrence]:
    """Every active schedule's occurrences in the window, planned, with conflicts."""
    if end <= start:
        raise PlanningError("the window ends before it starts")
    if end - start > MAX_WINDOW:
        raise PlanningError("plan at most 62 days at a time")
    shifts: dict[str, list[tuple[datetime, datetime]]] = {}
    for row in conn.execute(
        select(unit_shifts).where(unit_shifts.c.ends_at > start, unit_shifts.c.starts_at < end)
    ).mappings():
        shifts.setdefault(row["unit_id"], []).append((row["starts_at"], row["ends_at"]))
    board = _Board(shifts)
    made = {(r.schedule_id, r.starts_at): r for r in conn.execute(select(schedule_occurrences))}
    found: list[tuple[datetime, dict[str, Any], datetime]] = []
    for schedule in conn.execute(
        select(task_schedules).where(task_schedules.c.active == 1)
    ).mappings():
        for a, b in occurrences_of(dict(schedule), start, end):
            found.append((a, dict(schedule), b))
    out = []
    for a, schedule, b in sorted(found, key=lambda x: (x[0], x[1]["unit_id"] is None, x[1]["id"])):
        done = made.get((schedule["id"], a))
        if done is not None:
            if done.unit_id:
                board.book(done.unit_id, a, b)
            out.append(
                Occurrence(schedule["id"], schedule["title"], a, b, done.unit_id, (), done.task_id)
            )
            continue
        unit_id, conflicts = _plan_one(board, schedule, a, b)
        out.append(Occurrence(schedule["id"], schedule["title"], a, b, unit_id, conflicts))
    return out


def materialise(
    conn: Connection, *, start: datetime, end: datetime, actor: str, now: datetime, effects: Effects
) -> list[Occurrence]:
    """Turn every planned, conflict-free occurrence without a task into an assigned task."""
    out = []
    for occ in plan_window(conn, start=start, end=end):
        if occ.task_id or occ.conflicts or occ.unit_id is None:
            out.append(occ)
            continue
        schedule = (
            conn.execute(select(task_schedules).where(task_schedules.c.id == occ.schedule_id))
            .mappings()
            .one()
        )
        local = occ.starts_at.astimezone(LOCAL)
        task = create_task(
            conn, lat=schedule["lat"], lon=schedule["lon"], category=schedule["category"],
            priority=schedule["priority"], actor=actor, now=now, due_at=occ.starts_at,
            description=f"{schedule['title']} ({local:%Y-%m-%d %H:%M}, {schedule['minutes']} min)",
            evidence={"schedule": occ.schedule_id, "starts_at": occ.starts_at.isoformat()},
            effects=effects,
        )  # fmt: skip
        assign(conn, task_id=task["id"], unit_ref=occ.unit_id, actor=actor, now=now,
               reason=f"schedule {occ.schedule_id}", effects=effects)  # fmt: skip
        conn.execute(
            insert(schedule_occurrences).values(
                schedule_id=occ.schedule_id,
                starts_at=occ.starts_at,
                task_id=task["id"],
                unit_id=occ.unit_id,
            )
        )
        out.append(
            Occurrence(
                occ.schedule_id, occ.title, occ.starts_at, occ.ends_at, occ.unit_id, (), task["id"]
            )
        )
    return out


def list_schedules(conn: Connection) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in conn.execute(
            select(task_schedules).order_by(task_schedules.c.created_at)
        ).mappings()
    ]


def stop_schedule(conn: Connection, *, schedule_id: str) -> None:
    """Stop a schedule; tasks already made stay as they are."""
    found = conn.execute(
        task_schedules.update().where(task_schedules.c.id == schedule_id).values(active=0)
    )
    if not found.rowcount:
        raise NotFoundError(f"no schedule {schedule_id!r}")
