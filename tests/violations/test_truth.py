"""Measured against the scenario's planted corridors (truth.json → violation_corridors)."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import Any

import pytest

from pasienis.scenario import generate
from pasienis.violations import (
    Filters,
    Points,
    emerging_hot_spots,
    hot_spots,
    make_points,
    month_slices,
)
from pasienis.violations.forecast import evaluate_points
from pasienis.violations.truth import hot_spot_scores, trend_recovery


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Points, dict[str, Any]]:
    out = tmp_path_factory.mktemp("violations-scenario")
    generate(seed=7, scale=0.2, out=out)
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    with (out / "violations.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    times = [datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp() for r in rows]
    points = make_points([float(r["lat"]) for r in rows], [float(r["lon"]) for r in rows], times)
    return points, truth


def test_truth_plants_each_trend(planted) -> None:  # type: ignore[no-untyped-def]
    _, truth = planted
    assert {c["trend"] for c in truth["violation_corridors"]} == {
        "emerging",
        "fading",
        "persistent",
    }
    assert len(truth["violation_period"]) == 2


def test_gi_star_recovers_the_corridors(planted) -> None:  # type: ignore[no-untyped-def]
    points, truth = planted
    spots = hot_spots(points, res=7)
    scores = hot_spot_scores(
        set(spots.hot_cells(0.95)), spots.area.cells, truth["violation_corridors"]
    )
    assert scores["recall"] >= 0.9, scores
    assert scores["precision"] >= 0.85, scores


def test_emerging_categories_recover_the_planted_trends(planted) -> None:  # type: ignore[no-untyped-def]
    points, truth = planted
    result = emerging_hot_spots(points, slices=month_slices(points, Filters()), res=7)
    category_of = dict(zip(result.area.cells, result.category.tolist(), strict=True))
    recovered = trend_recovery(category_of, result.area.cells, truth["violation_corridors"])
    assert min(recovered.values()) >= 0.8, recovered


def test_forecast_beats_the_last_period_baseline(planted) -> None:  # type: ignore[no-untyped-def]
    points, _ = planted
    slices = month_slices(points, Filters())
    methods = {
        m["method"]: m
        for m in evaluate_points(points, split=slices[9][0], until=slices[-1][1], res=8)
    }
    ours = methods["recency (half-life 45 d)"]["pai"][0.05]
    baseline = methods["baseline: last period"]["pai"][0.05]
    assert ours >= 1.3 * baseline, methods
