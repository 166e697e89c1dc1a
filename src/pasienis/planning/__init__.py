"""Planning: patrol plans that maximise covered risk (OR-Tools), randomised patrols, publishing.

Operations half. The risk surface comes from the violations capability (recent seizures) plus
points the caller adds (open alerts, predicted corridors); published plans become ops tasks.
"""

from pasienis.planning.errors import PlanningError
from pasienis.planning.mixed import MixedStrategy, mixed_strategy
from pasienis.planning.problem import Candidate, Plan, Problem, Stop, UnitShift, make_problem
from pasienis.planning.risk import risk_candidates
from pasienis.planning.service import (
    PlanRequest,
    edit_stops,
    get_plan,
    list_plans,
    make_plan,
    publish,
    shift_units,
)
from pasienis.planning.solver import best_plan, greedy_nearest, solve

__all__ = [
    "Candidate",
    "MixedStrategy",
    "Plan",
    "PlanRequest",
    "PlanningError",
    "Problem",
    "Stop",
    "UnitShift",
    "best_plan",
    "edit_stops",
    "get_plan",
    "greedy_nearest",
    "list_plans",
    "make_plan",
    "make_problem",
    "mixed_strategy",
    "publish",
    "risk_candidates",
    "shift_units",
    "solve",
]
