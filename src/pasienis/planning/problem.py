"""What a patrol plan is made from, and what a plan is.

Times are seconds from the shift's start; travel times come from the routing engine the tasks
already use (a Valhalla matrix, or the labelled great-circle estimate without tiles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pasienis.geo import Router
from pasienis.planning.errors import PlanningError


@dataclass(frozen=True, slots=True)
class UnitShift:
    """A unit available for the shift: where it starts and ends, and when it is free."""

    unit_id: str
    call_sign: str
    lat: float
    lon: float
    start_s: int = 0
    end_s: int = 8 * 3600


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place worth visiting: its risk (the prize for covering it) and why."""

    id: str
    lat: float
    lon: float
    risk: float
    reason: str
    service_s: int = 900


@dataclass(frozen=True, slots=True)
class Problem:
    """Units, candidates and the travel-time matrix (seconds) over bases then candidates."""

    units: tuple[UnitShift, ...]
    candidates: tuple[Candidate, ...]
    travel_s: np.ndarray  # (units + candidates) square

    @property
    def total_risk(self) -> float:
        return float(sum(c.risk for c in self.candidates))


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit: the candidate, when the unit arrives and how long it stays."""

    candidate: Candidate
    arrive_s: int
    leave_s: int


@dataclass(slots=True)
class Plan:
    """Routes per unit; covered risk is the sum of the visited candidates' risk."""

    method: str
    routes: dict[str, list[Stop]] = field(default_factory=dict)
    solve_s: float = 0.0

    @property
    def covered_risk(self) -> float:
        return float(sum(s.candidate.risk for stops in self.routes.values() for s in stops))

    def visited(self) -> frozenset[str]:
        return frozenset(s.candidate.id for stops in self.routes.values() for s in stops)


def make_problem(
    units: Sequence[UnitShift], candidates: Sequence[Candidate], router: Router
) -> Problem:
    """Check the inputs and build the travel-time matrix with ``router``."""
    if not units:
        raise PlanningError("no units are available for this shift", hint="set a unit available")
    if not candidates:
        raise PlanningError("no candidate places to patrol", hint="widen the risk period")
    for unit in units:
        if unit.end_s <= unit.start_s:
            raise PlanningError(f"unit {unit.call_sign}: the shift ends before it starts")
    points = [(u.lat, u.lon) for u in units] + [(c.lat, c.lon) for c in candidates]
    matrix = router.matrix(points, points)
    travel = np.array([[round(e.seconds) for e in row] for row in matrix], dtype=np.int64)
    np.fill_diagonal(travel, 0)
    return Problem(tuple(units), tuple(candidates), travel)
