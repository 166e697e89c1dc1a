"""Patrol plans in the store: make a draft, edit its stops, publish it as assigned tasks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, insert, select, update

from pasienis.errors import NotFoundError
from pasienis.geo import Router
from pasienis.ops.effects import Effects
from pasienis.ops.service import get_unit, list_units
from pasienis.ops.tasks import assign, create_task
from pasienis.planning.errors import PlanningError
from pasienis.planning.mixed import mixed_strategy
from pasienis.planning.models import patrol_plans
from pasienis.planning.problem import Candidate, Plan, UnitShift, make_problem
from pasienis.planning.solver import best_plan

TASK_CATEGORY = "patrol"


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What the dispatcher asks for: a shift, which units, how long to think, randomised?"""

    shift_start: datetime
    shift_end: datetime
    unit_ids: tuple[str, ...] = ()  # empty: every available unit with a known position
    time_limit_s: float = 10.0
    randomised: bool = False
    keep: float = 0.9
    seed: int = 0

    def __post_init__(self) -> None:
        if self.shift_start.tzinfo is None or self.shift_end.tzinfo is None:
            raise PlanningError("shift start and end need a time zone")
        if self.shift_end <= self.shift_start:
            raise PlanningError("the shift ends before it starts")
        if self.shift_end - self.shift_start > timedelta(hours=24):
            raise PlanningError("a shift is at most 24 hours")
        if not 0.1 <= self.time_limit_s <= 300:
            raise PlanningError("the solver time limit is 0.1 to 300 seconds")


def shift_units(conn: Connection, request: PlanRequest) -> list[UnitShift]:
    """The units of the plan, based where they last were (their last good fix)."""
    length = int((request.shift_end - request.shift_start).total_seconds())
    chosen = (
        [get_unit(conn, ref=ref) for ref in request.unit_ids]
        if request.unit_ids
        else [u for u in list_units(conn) if u["status"] == "available"]
    )
    out = []
    for unit in chosen:
        if unit["last_lat"] is None or unit["last_lon"] is None:
            if request.unit_ids:
                raise PlanningError(f"unit {unit['call_sign']} has no known position to start from")
            continue
        out.append(
            UnitShift(unit["id"], unit["call_sign"], unit["last_lat"], unit["last_lon"], 0, length)
        )
    if not out:
        raise PlanningError(
            "no available unit with a known position", hint="check the units' status"
        )
    return out


def _stops_json(plan: Plan, units: list[UnitShift], start: datetime) -> list[dict[str, Any]]:
    call_sign = {u.unit_id: u.call_sign for u in units}
    return [
        {
            "unit_id": unit_id,
            "call_sign": call_sign[unit_id],
            "order": order,
            "candidate": stop.candidate.id,
            "lat": stop.candidate.lat,
            "lon": stop.candidate.lon,
            "risk": stop.candidate.risk,
            "reason": stop.candidate.reason,
            "arrive_at": (start + timedelta(seconds=stop.arrive_s)).isoformat(),
            "leave_at": (start + timedelta(seconds=stop.leave_s)).isoformat(),
        }
        for unit_id, stops in plan.routes.items()
        for order, stop in enumerate(stops, start=1)
    ]


def make_plan(
    conn: Connection,
    *,
    request: PlanRequest,
    candidates: list[Candidate],
    router: Router,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Solve, compare with the greedy baseline, store the draft and return it."""
    units = shift_units(conn, request)
    problem = make_problem(units, candidates, router)
    plan, greedy = best_plan(problem, time_limit_s=request.time_limit_s)
    summary: dict[str, Any] = {
        "routing": router.method,
        "candidates": len(candidates),
        "greedy_covered_risk": round(greedy.covered_risk, 4),
    }
    if request.randomised:
        strategy = mixed_strategy(
            problem,
            keep=request.keep,
            time_limit_s=request.time_limit_s / 4,
            seed=request.seed,
            best=plan,
        )
        plan = strategy.sample(np.random.default_rng(request.seed))
        summary |= {
            "plans_in_mix": len(strategy.plans),
            "entropy_bits": round(strategy.entropy_bits, 3),
            "expected_covered_risk": round(strategy.expected_risk, 4),
            "best_covered_risk": round(strategy.best_risk, 4),
        }
        method = "or-tools mixed strategy"
    else:
        method = "or-tools"
    summary["solve_s"] = round(plan.solve_s, 2)
    row = {
        "id": uuid.uuid4().hex,
        "status": "draft",
        "method": method,
        "shift_start": request.shift_start,
        "shift_end": request.shift_end,
        "parameters": {
            "units": [u.call_sign for u in units],
            "time_limit_s": request.time_limit_s,
            "randomised": request.randomised,
            "keep": request.keep,
            "seed": request.seed,
        },
        "stops": _stops_json(plan, units, request.shift_start),
        "covered_risk": round(plan.covered_risk, 4),
        "total_risk": round(problem.total_risk, 4),
        "summary": summary,
        "version": 1,
        "created_by": actor,
        "created_at": now,
        "updated_at": now,
    }
    conn.execute(insert(patrol_plans).values(**row))
    return get_plan(conn, plan_id=row["id"])


def get_plan(conn: Connection, *, plan_id: str) -> dict[str, Any]:
    row = conn.execute(select(patrol_plans).where(patrol_plans.c.id == plan_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no patrol plan {plan_id!r}")
    return dict(row)


def list_plans(conn: Connection, *, limit: int = 50) -> list[dict[str, Any]]:
    query = select(patrol_plans).order_by(patrol_plans.c.created_at.desc()).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def edit_stops(
    conn: Connection, *, plan_id: str, stops: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """Replace a draft's stops (the dispatcher removed, moved or added some)."""
    plan = get_plan(conn, plan_id=plan_id)
    if plan["status"] != "draft":
        raise PlanningError("a published plan cannot be edited", hint="make a new plan")
    for stop in stops:
        get_unit(conn, ref=stop["unit_id"])  # a stop for an unknown unit is refused (404)
    conn.execute(
        update(patrol_plans)
        .where(patrol_plans.c.id == plan_id)
        .values(
            stops=stops,
            covered_risk=round(sum(float(s.get("risk") or 0) for s in stops), 4),
            version=plan["version"] + 1,
            updated_at=now,
        )
    )
    return get_plan(conn, plan_id=plan_id)


def publish(
    conn: Connection, *, plan_id: str, actor: str, now: datetime, effects: Effects
) -> dict[str, Any]:
    """Every stop becomes a task assigned to its unit, in one transaction."""
    plan = get_plan(conn, plan_id=plan_id)
    if plan["status"] != "draft":
        raise PlanningError("this plan is already published")
    if not plan["stops"]:
        raise PlanningError("the plan has no stops to publish")
    published = []
    for stop in plan["stops"]:
        task = create_task(
            conn,
            lat=stop["lat"],
            lon=stop["lon"],
            category=TASK_CATEGORY,
            priority=3,
            description=f"Patrol stop {stop['order']} ({stop['arrive_at'][11:16]}-"
            f"{stop['leave_at'][11:16]} UTC): {stop['reason']}",
            actor=actor,
            now=now,
            due_at=datetime.fromisoformat(stop["arrive_at"]),
            evidence={"patrol_plan": plan_id, "risk": stop["risk"]},
            effects=effects,
        )
        task = assign(
            conn,
            task_id=task["id"],
            unit_ref=stop["unit_id"],
            actor=actor,
            now=now,
            reason=f"patrol plan {plan_id}",
            effects=effects,
        )
        published.append({**stop, "task_id": task["id"]})
    conn.execute(
        update(patrol_plans)
        .where(patrol_plans.c.id == plan_id)
        .values(
            status="published",
            stops=published,
            published_at=now,
            published_by=actor,
            updated_at=now,
        )
    )
    return get_plan(conn, plan_id=plan_id)
