"""Benchmark: patrol planning for 10 units and 500 candidate places from the scenario.

Covered risk of the OR-Tools plan (prize-collecting routing with time windows) against a
greedy nearest-hot-spot plan for the same units in the same run, with solve times; and the
randomised (mixed-strategy) plan's expected covered risk against the best deterministic plan,
with the entropy of its distribution. Travel times: the great-circle estimate (the scenario's
road tiles are optional; with `pasienis routing build` the API uses Valhalla's matrix).

Run: ``python bench/bench_planning.py [--limit 30] [--scale 1]``.
"""

from __future__ import annotations

import argparse
import csv
import math
import tempfile
import time
from datetime import datetime
from pathlib import Path

from pasienis.geo import GreatCircleRouter
from pasienis.planning import (
    UnitShift,
    best_plan,
    make_problem,
    mixed_strategy,
    risk_candidates,
)
from pasienis.scenario import generate
from pasienis.violations import Filters, make_points, month_slices

#: Ten unit bases: customs posts and towns near the border and inland.
BASES = (
    ("VLN", 54.68, 25.28),
    ("KNS", 54.90, 23.90),
    ("ALY", 54.40, 24.05),
    ("KLP", 55.70, 21.14),
    ("IGN", 55.34, 26.16),
    ("LAZ", 54.24, 23.52),
    ("MRJ", 54.56, 23.35),
    ("SAU", 55.92, 23.31),
    ("SAL", 54.31, 25.38),
    ("SVN", 55.14, 26.16),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=float, default=30.0, help="OR-Tools time limit (s)")
    parser.add_argument("--scale", type=float, default=1.0)
    args, _ = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(seed=7, scale=args.scale, out=Path(tmp))
        with (Path(tmp) / "violations.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    times = [datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp() for r in rows]
    points = make_points([float(r["lat"]) for r in rows], [float(r["lon"]) for r in rows], times)
    at = month_slices(points, Filters())[9][0]
    candidates = risk_candidates(points, at=at, top=500)
    units = [UnitShift(code, code, lat, lon, 0, 8 * 3600) for code, lat, lon in BASES]
    started = time.perf_counter()
    problem = make_problem(units, candidates, GreatCircleRouter())
    print(f"10 units x {len(candidates)} candidates, 8-hour shift, 15 min per stop")
    print(
        f"  travel-time matrix ({problem.travel_s.shape[0]}^2, great-circle): "
        f"{time.perf_counter() - started:.2f} s"
    )
    best, greedy = best_plan(problem, time_limit_s=args.limit)
    print(
        f"  greedy nearest hot spot: covered risk {greedy.covered_risk:8.1f} "
        f"({greedy.covered_risk / problem.total_risk:.1%} of all), {greedy.solve_s:.2f} s"
    )
    print(
        f"  OR-Tools (time limit {args.limit:.0f} s): covered risk {best.covered_risk:8.1f} "
        f"({best.covered_risk / problem.total_risk:.1%}), {best.solve_s:.1f} s "
        f"-> {best.covered_risk / greedy.covered_risk:.2f}x greedy"
    )
    started = time.perf_counter()
    mix = mixed_strategy(
        problem, plans=12, keep=0.9, time_limit_s=args.limit / 6, seed=1, best=best
    )
    print(
        f"  mixed strategy over {len(mix.plans)} plans ({time.perf_counter() - started:.1f} s): "
        f"expected covered risk {mix.expected_risk:.1f} = "
        f"{mix.expected_risk / best.covered_risk:.2f}x "
        f"the best deterministic plan, entropy {mix.entropy_bits:.2f} bits "
        f"(max {math.log2(len(mix.plans)):.2f})"
    )
    visits = mix.visit_probability()
    uncertain = sum(0.05 < p < 0.95 for p in visits.values())
    print(
        f"  places visited with probability strictly between 5 % and 95 %: "
        f"{uncertain} of {len(visits)}"
    )


if __name__ == "__main__":
    main()
