"""Which unit should go: ranking by ETA from the last good position, skills and workload.

ETA comes from ``pasienis.geo`` when it offers road routing; otherwise it is the great-circle
distance x a detour factor at an average speed, and each suggestion says which ``method``
produced it. Rules per category (required skills, automatic assignment) live in a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from pasienis.config import Settings
from pasienis.ops.geolink import eta_s, make_router
from pasienis.ops.models import assignment_rules, tasks, units
from pasienis.ops.tasks import ACTIVE

#: Seconds of ETA one open task weighs in the ranking (a busy crew is "farther away").
WORKLOAD_PENALTY_S = 900.0


@dataclass(frozen=True)
class Speeds:
    """How ETAs are estimated: geo's router when there is one, else these fallback figures."""

    speed_kmh: float = 60.0
    detour: float = 1.3
    router: Any | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Speeds:
        """Geo's router, and geo's ``routing_speed_kmh``/``routing_detour_factor`` as fallback."""
        return cls(
            speed_kmh=getattr(settings, "routing_speed_kmh", 60.0),
            detour=getattr(settings, "routing_detour_factor", 1.3),
            router=make_router(settings),
        )


def set_rule(
    conn: Connection, *, category: str, required_skills: list[str], auto_assign: bool
) -> dict[str, Any]:
    conn.execute(delete(assignment_rules).where(assignment_rules.c.category == category))
    row = {
        "category": category,
        "required_skills": sorted(set(required_skills)),
        "auto_assign": auto_assign,
    }
    conn.execute(insert(assignment_rules).values(**row))
    return row


def get_rule(conn: Connection, *, category: str) -> dict[str, Any] | None:
    row = (
        conn.execute(select(assignment_rules).where(assignment_rules.c.category == category))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def list_rules(conn: Connection) -> list[dict[str, Any]]:
    query = select(assignment_rules).order_by(assignment_rules.c.category)
    return [dict(r) for r in conn.execute(query).mappings()]


def suggest_units(
    conn: Connection,
    *,
    lat: float,
    lon: float,
    category: str | None = None,
    speeds: Speeds = Speeds(),
    exclude: set[str] | frozenset[str] = frozenset(),
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Available units that have the required skills, best first (lowest score)."""
    rule = get_rule(conn, category=category) if category else None
    needed = set(rule["required_skills"] or []) if rule else set()
    workload = dict(
        conn.execute(
            select(tasks.c.unit_id, func.count())
            .where(tasks.c.status.in_(ACTIVE), tasks.c.unit_id.is_not(None))
            .group_by(tasks.c.unit_id)
        ).all()
    )
    out = []
    for unit in conn.execute(select(units).where(units.c.status == "available")).mappings():
        if unit["id"] in exclude or not needed <= set(unit["skills"] or []):
            continue
        load = int(workload.get(unit["id"], 0))
        entry: dict[str, Any] = {
            "unit_id": unit["id"],
            "call_sign": unit["call_sign"],
            "workload": load,
            "skills": unit["skills"] or [],
            "last_fix_at": unit["last_fix_at"],
        }
        if unit["last_fix_at"] is None:
            entry.update(eta_s=None, distance_m=None, method=None, score=None)
        else:
            seconds, metres, method = eta_s(
                (unit["last_lat"], unit["last_lon"]),
                (lat, lon),
                speed_kmh=speeds.speed_kmh,
                detour=speeds.detour,
                router=speeds.router,
            )
            entry.update(
                eta_s=round(seconds, 1),
                distance_m=round(metres, 1),
                method=method,
                score=seconds + load * WORKLOAD_PENALTY_S,
            )
        out.append(entry)
    # Units with no known position go last: we cannot say how far they are.
    out.sort(key=lambda e: (e["score"] is None, e["score"] or 0.0, e["call_sign"]))
    return out[:limit]
