"""Forecast evaluation on the registry: train before a split, predict the period after it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from pasienis.violations.errors import AnalysisInputError
from pasienis.violations.grid import study_area
from pasienis.violations.points import Filters, Points, load_points
from pasienis.violations.predict import evaluate, last_period_surface, recency_surface


def evaluate_points(
    points: Points, *, split: float, until: float, res: int = 8
) -> list[dict[str, Any]]:
    """Hit rate and PAI of the recency forecast and of two naive baselines.

    Baselines: the counts of the last period as long as the forecast horizon, and of the
    last 30 days. Every method is scored on the same cells and the same future.
    """
    if not split < until:
        raise AnalysisInputError("the split must come before the end of the evaluated period")
    past = points.where(points.t < split)
    future_mask = (points.t >= split) & (points.t < until)
    if len(past) < 2:
        raise AnalysisInputError(
            f"only {len(past)} violations before the split: nothing to learn from"
        )
    if not future_mask.any():
        raise AnalysisInputError("no violations in the evaluated period")
    area = study_area(points, res)
    future = area.rows[future_mask]
    horizon = until - split
    surfaces = {
        "recency (half-life 45 d)": recency_surface(area, points, until=split),
        "baseline: last period": last_period_surface(
            area, points, start=split - horizon, end=split
        ),
        "baseline: last 30 days": last_period_surface(
            area, points, start=split - 30 * 86_400, end=split
        ),
    }
    results = []
    for name, scores in surfaces.items():
        e = evaluate(name, scores, area, future)
        results.append({"method": name, "hit_rate": e.hit_rate, "pai": e.pai})
    return results


def forecast_evaluation(
    conn: Connection,
    *,
    split: datetime | None,
    until: datetime | None,
    datasets: frozenset[str],
    res: int = 8,
) -> dict[str, Any]:
    """:func:`evaluate_points` over the violations the caller may read."""
    if split is None or until is None:
        raise AnalysisInputError("a forecast evaluation needs a split and an end")
    points = load_points(conn, filters=Filters(until=until), datasets=datasets)
    methods = evaluate_points(points, split=split.timestamp(), until=until.timestamp(), res=res)
    return {"split": split.isoformat(), "until": until.isoformat(), "res": res, "methods": methods}
