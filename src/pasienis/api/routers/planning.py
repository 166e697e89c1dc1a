"""Patrol planning for dispatchers (make a plan from the risk surface, edit, publish) and
scheduled, recurring tasks planned against unit shifts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from pasienis.api.deps import Principal, Role, audit_read, require, visible_datasets
from pasienis.geo import make_router
from pasienis.ops.flows import Ops
from pasienis.planning import (
    Candidate,
    PlanRequest,
    edit_stops,
    get_plan,
    list_plans,
    make_plan,
    publish,
    risk_candidates,
)
from pasienis.planning.schedules import (
    add_schedule,
    add_shift,
    list_schedules,
    materialise,
    plan_window,
    stop_schedule,
)
from pasienis.violations import Filters, load_points

router = APIRouter(prefix="/api/planning", tags=["planning"])
DISPATCH = require(Role.dispatcher, Role.administrator)
Dispatcher = Annotated[Principal, Depends(DISPATCH)]


class ExtraPlace(BaseModel):
    """A place to weigh in beside recent violations: an open alert, a predicted corridor."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    risk: float = Field(gt=0, le=10_000)
    reason: str = Field(min_length=1, max_length=500)


class PatrolPlanCreate(BaseModel):
    shift_start: datetime
    shift_end: datetime
    units: list[str] = Field(
        default_factory=list, description="call signs or ids; empty: all available"
    )
    candidates: int = Field(default=500, ge=1, le=2000)
    risk_days: int = Field(default=180, ge=7, le=730, description="how far back violations count")
    time_limit_s: float = Field(default=10.0, ge=0.1, le=300)
    randomised: bool = False
    keep: float = Field(
        default=0.9, gt=0, le=1, description="share of the best covered risk to keep"
    )
    seed: int = 0
    extra: list[ExtraPlace] = Field(default_factory=list)


class StopEdit(BaseModel):
    unit_id: str = Field(min_length=1, max_length=64)
    order: int = Field(ge=1)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    risk: float = Field(ge=0)
    reason: str = Field(min_length=1, max_length=500)
    arrive_at: datetime
    leave_at: datetime
    candidate: str = Field(default="manual", max_length=64)
    call_sign: str | None = None


class StopsEdit(BaseModel):
    stops: list[StopEdit]


def _ops(request: Request) -> Ops:
    return request.app.state.ops


@router.post("/patrols", status_code=201)
def create_plan(body: PatrolPlanCreate, request: Request, principal: Dispatcher) -> dict[str, Any]:
    """A draft patrol plan for the shift (each stop says why it is there)."""
    ops = _ops(request)
    plan_request = PlanRequest(
        shift_start=body.shift_start,
        shift_end=body.shift_end,
        unit_ids=tuple(body.units),
        time_limit_s=body.time_limit_s,
        randomised=body.randomised,
        keep=body.keep,
        seed=body.seed,
    )
    extra = [
        Candidate(id=f"extra-{i}", lat=p.lat, lon=p.lon, risk=p.risk, reason=p.reason)
        for i, p in enumerate(body.extra)
    ]
    since = body.shift_start - timedelta(days=body.risk_days)
    with ops.store.read() as conn:
        points = load_points(
            conn,
            filters=Filters(since=since, until=body.shift_start),
            datasets=visible_datasets(principal),
        )
    candidates = risk_candidates(
        points, at=body.shift_start.timestamp(), top=body.candidates, extra=extra
    )
    with ops.store.begin() as conn:
        plan = make_plan(
            conn,
            request=plan_request,
            candidates=candidates,
            router=make_router(ops.settings),
            actor=principal.name,
            now=ops.clock(),
        )
    audit_read(
        request, "planning.create", detail={"plan_id": plan["id"], "stops": len(plan["stops"])}
    )
    return plan


@router.get("/patrols")
def plans(request: Request, _p: Dispatcher) -> list[dict[str, Any]]:
    with _ops(request).store.read() as conn:
        return list_plans(conn)


@router.get("/patrols/{plan_id}")
def plan(plan_id: str, request: Request, _p: Dispatcher) -> dict[str, Any]:
    with _ops(request).store.read() as conn:
        return get_plan(conn, plan_id=plan_id)


@router.put("/patrols/{plan_id}/stops")
def replace_stops(
    plan_id: str, body: StopsEdit, request: Request, _p: Dispatcher
) -> dict[str, Any]:
    """The dispatcher's edit: the stops as they should be (removed, moved or added)."""
    ops = _ops(request)
    stops = [s.model_dump(mode="json") for s in body.stops]
    with ops.store.begin() as conn:
        edited = edit_stops(conn, plan_id=plan_id, stops=stops, now=ops.clock())
    audit_read(request, "planning.edit", detail={"plan_id": plan_id, "version": edited["version"]})
    return edited


@router.post("/patrols/{plan_id}/publish")
def publish_plan(plan_id: str, request: Request, principal: Dispatcher) -> dict[str, Any]:
    """Every stop becomes a task assigned to its unit (delivered to the crews' phones)."""
    ops = _ops(request)
    result = ops.run(
        lambda conn, effects: publish(
            conn, plan_id=plan_id, actor=principal.name, now=ops.clock(), effects=effects
        )
    )
    audit_read(
        request, "planning.publish", detail={"plan_id": plan_id, "tasks": len(result["stops"])}
    )
    return result


class ScheduleCreate(BaseModel):
    """A recurring task: e.g. a checkpoint watch every night 22:00 for four hours."""

    title: str = Field(min_length=1, max_length=200)
    category: str = Field(default="patrol", min_length=1, max_length=32)
    priority: int = Field(default=3, ge=1, le=5)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    unit: str | None = Field(default=None, description="a fixed unit; none: planned on shifts")
    weekdays: list[int] = Field(min_length=1, max_length=7, description="0 = Monday .. 6 = Sunday")
    start_local: str = Field(pattern=r"^\d{2}:\d{2}$", description="HH:MM in Europe/Vilnius")
    minutes: int = Field(ge=1, le=24 * 60)
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class ShiftCreate(BaseModel):
    unit: str = Field(min_length=1, max_length=64)
    starts_at: datetime
    ends_at: datetime
    note: str | None = Field(default=None, max_length=200)


@router.post("/schedules", status_code=201)
def create_schedule(
    body: ScheduleCreate, request: Request, principal: Dispatcher
) -> dict[str, Any]:
    ops = _ops(request)
    with ops.store.begin() as conn:
        row = add_schedule(conn, data=body.model_dump(), actor=principal.name, now=ops.clock())
    audit_read(request, "planning.schedule.create", detail={"schedule_id": row["id"]})
    return row


@router.get("/schedules")
def schedules(request: Request, _p: Dispatcher) -> list[dict[str, Any]]:
    with _ops(request).store.read() as conn:
        return list_schedules(conn)


@router.delete("/schedules/{schedule_id}", status_code=204)
def delete_schedule(schedule_id: str, request: Request, _p: Dispatcher) -> None:
    with _ops(request).store.begin() as conn:
        stop_schedule(conn, schedule_id=schedule_id)
    audit_read(request, "planning.schedule.stop", detail={"schedule_id": schedule_id})


@router.post("/shifts", status_code=201)
def create_shift(body: ShiftCreate, request: Request, _p: Dispatcher) -> dict[str, Any]:
    with _ops(request).store.begin() as conn:
        return add_shift(
            conn, unit=body.unit, starts_at=body.starts_at, ends_at=body.ends_at, note=body.note
        )


@router.get("/occurrences")
def occurrences(
    start: datetime, end: datetime, request: Request, _p: Dispatcher
) -> list[dict[str, Any]]:
    """Scheduled tasks in the window, planned against shifts, each with its conflicts."""
    with _ops(request).store.read() as conn:
        return [o.to_dict() for o in plan_window(conn, start=start, end=end)]


@router.post("/occurrences/materialise")
def materialise_occurrences(
    start: datetime, end: datetime, request: Request, principal: Dispatcher
) -> list[dict[str, Any]]:
    """Make an assigned task for every conflict-free occurrence that has none yet."""
    ops = _ops(request)
    done = ops.run(
        lambda conn, effects: materialise(
            conn, start=start, end=end, actor=principal.name, now=ops.clock(), effects=effects
        )
    )
    audit_read(request, "planning.materialise", detail={"tasks": sum(1 for o in done if o.task_id)})
    return [o.to_dict() for o in done]
