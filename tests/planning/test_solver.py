"""Patrol plans: covered risk against a greedy plan, shifts respected, mixed strategies sound."""

from __future__ import annotations

import numpy as np
import pytest

from pasienis.geo import GreatCircleRouter
from pasienis.planning import (
    Candidate,
    PlanningError,
    UnitShift,
    greedy_nearest,
    make_problem,
    mixed_strategy,
    solve,
)
from pasienis.planning.mixed import _gibbs


def _problem(n_candidates: int = 60, n_units: int = 3, hours: float = 4, seed: int = 1):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    candidates = [
        Candidate(
            f"c{i}",
            float(rng.uniform(54.0, 55.0)),
            float(rng.uniform(24.0, 25.5)),
            float(rng.gamma(1.0, 2.0)),
            f"test {i}",
            service_s=600,
        )
        for i in range(n_candidates)
    ]
    units = [
        UnitShift(f"u{i}", f"U-{i}", 54.5, 24.2 + 0.5 * i, 0, int(hours * 3600))
        for i in range(n_units)
    ]
    return make_problem(units, candidates, GreatCircleRouter())


def _check_feasible(problem, plan) -> None:  # type: ignore[no-untyped-def]
    index = {c.id: i for i, c in enumerate(problem.candidates, start=len(problem.units))}
    visited = [s.candidate.id for stops in plan.routes.values() for s in stops]
    assert len(visited) == len(set(visited)), "a place is visited twice"
    for v, unit in enumerate(problem.units):
        here, clock = v, unit.start_s
        for stop in plan.routes[unit.unit_id]:
            node = index[stop.candidate.id]
            assert stop.arrive_s >= clock + problem.travel_s[here, node] - 1
            here, clock = node, stop.leave_s
        assert clock + problem.travel_s[here, v] <= unit.end_s + 1, "the unit is not home in time"


def test_or_tools_covers_at_least_the_greedy_plan_and_respects_shifts() -> None:
    problem = _problem()
    greedy = greedy_nearest(problem)
    best = solve(problem, time_limit_s=2, start=greedy)
    _check_feasible(problem, greedy)
    _check_feasible(problem, best)
    assert best.covered_risk >= greedy.covered_risk
    assert 0 < best.covered_risk <= problem.total_risk


def test_a_tiny_problem_reaches_the_optimum() -> None:
    # One unit, two hours: three places 10 km apart; enough time for exactly two of them.
    candidates = [
        Candidate("near-low", 54.59, 24.0, 1.0, "low", service_s=1800),
        Candidate("near-high", 54.50, 24.1, 5.0, "high", service_s=1800),
        Candidate("far-high", 55.5, 24.0, 9.0, "too far to reach", service_s=1800),
    ]
    problem = make_problem(
        [UnitShift("u", "U", 54.5, 24.0, 0, 2 * 3600)], candidates, GreatCircleRouter()
    )
    plan = solve(problem, time_limit_s=1)
    assert plan.visited() == {"near-low", "near-high"}
    _check_feasible(problem, plan)


def test_a_shift_too_short_to_leave_the_base_visits_nothing() -> None:
    problem = _problem(hours=0.05)
    assert solve(problem, time_limit_s=0.5).covered_risk == 0


def test_bad_input_is_refused_clearly() -> None:
    router = GreatCircleRouter()
    with pytest.raises(PlanningError, match="no units"):
        make_problem([], [Candidate("c", 54, 24, 1, "r")], router)
    with pytest.raises(PlanningError, match="no candidate"):
        make_problem([UnitShift("u", "U", 54, 24)], [], router)
    with pytest.raises(PlanningError, match="ends before"):
        make_problem(
            [UnitShift("u", "U", 54, 24, 100, 50)], [Candidate("c", 54, 24, 1, "r")], router
        )


def test_gibbs_distribution_keeps_the_floor_with_most_entropy() -> None:
    risks = np.array([10.0, 9.5, 9.0, 5.0])
    p = _gibbs(risks, 9.0)
    assert p.sum() == pytest.approx(1.0)
    assert float(p @ risks) >= 9.0 - 1e-6
    assert np.all(np.diff(p) <= 1e-12)  # better plans are never less likely
    assert _gibbs(risks, 1.0) == pytest.approx(np.full(4, 0.25))


def test_mixed_strategy_trades_a_little_risk_for_unpredictability() -> None:
    problem = _problem(n_candidates=80)
    strategy = mixed_strategy(problem, plans=6, keep=0.9, time_limit_s=0.5, seed=3)
    assert len(strategy.plans) >= 2
    assert strategy.expected_risk >= 0.9 * strategy.best_risk - 1e-6
    assert strategy.entropy_bits > 0
    assert strategy.probabilities.sum() == pytest.approx(1.0)
    visits = strategy.visit_probability()
    assert any(0 < p < 1 for p in visits.values())
