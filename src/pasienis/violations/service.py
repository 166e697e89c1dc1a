"""Analyses by name, on the registry through the caller's grants: what the API and CLI call.

Each analysis returns an :class:`Analysis`: rows (one per cell, grid point, hour or band),
a summary and the parameters used, so every one exports the same way (JSON, GeoJSON, CSV, PDF).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection

from pasienis.violations.density import kernel_density
from pasienis.violations.emerging import emerging_hot_spots
from pasienis.violations.errors import AnalysisInputError
from pasienis.violations.grid import study_area
from pasienis.violations.hotspots import hot_spots
from pasienis.violations.patterns import hour_of_week, monthly_by_category, near_repeat
from pasienis.violations.points import Filters, Points, load_points

KINDS = ("hexbin", "kde", "hotspots", "emerging", "hours", "months", "near-repeat")
CELL_KINDS = frozenset({"hexbin", "hotspots", "emerging"})


@dataclass(slots=True)
class Analysis:
    """A finished analysis: what was asked, what came out."""

    kind: str
    parameters: dict[str, Any]
    summary: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    raster: dict[str, Any] | None = None


def month_slices(points: Points, filters: Filters) -> list[tuple[float, float]]:
    """Calendar months (UTC) covering the period (or the data): the emerging-hot-spot slices.

    A month that the period only partly covers is cut to the period, and a last slice shorter
    than half a month is merged into the one before it: a sliver of a month would look like a
    sudden cooling everywhere.
    """
    start = filters.since or datetime.fromtimestamp(float(points.t.min()), UTC)
    end = filters.until or datetime.fromtimestamp(float(points.t.max()) + 1, UTC)
    first = start.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    slices: list[tuple[float, float]] = []
    while first < end:
        nxt = (
            first.replace(year=first.year + 1, month=1)
            if first.month == 12
            else first.replace(month=first.month + 1)
        )
        slices.append((max(first, start).timestamp(), min(nxt, end).timestamp()))
        first = nxt
    if len(slices) > 1 and slices[-1][1] - slices[-1][0] < 15 * 86_400:
        slices[-2:] = [(slices[-2][0], slices[-1][1])]
    return slices


def _hexbin(points: Points, res: int) -> Analysis:
    area = study_area(points, res)
    counts = area.counts()
    rows = [{"cell": area.cells[i], "count": int(counts[i])} for i in np.flatnonzero(counts)]
    rows.sort(key=lambda r: (-r["count"], r["cell"]))
    summary = {"violations": len(points), "cells_with_violations": len(rows), "cells": area.size}
    return Analysis("hexbin", {"res": res}, summary, rows)


def _hotspots(points: Points, res: int, k: int) -> Analysis:
    spots = hot_spots(points, res=res, k=k)
    rows = [
        {
            "cell": spots.area.cells[i],
            "count": int(spots.counts[i]),
            "z": round(float(spots.z[i]), 3),
            "confidence": float(spots.confidence[i]),
            "kind": spots.kind(i),
        }
        for i in np.flatnonzero((spots.counts > 0) | (spots.confidence > 0))
    ]
    rows.sort(key=lambda r: -r["z"])
    summary = {
        "violations": len(points),
        "cells": spots.area.size,
        "hot_cells_95": len(spots.hot_cells(0.95)),
        "cold_cells_95": len(spots.cold_cells(0.95)),
    }
    return Analysis("hotspots", {"res": res, "k": k, "correction": "fdr-bh"}, summary, rows)


def _emerging(points: Points, filters: Filters, res: int, k: int) -> Analysis:
    slices = month_slices(points, filters)
    result = emerging_hot_spots(points, slices=slices, res=res, k=k)
    rows = [
        {
            "cell": result.area.cells[i],
            "category": str(result.category[i]),
            "trend_z": round(float(result.trend_z[i]), 3),
            "trend_p": round(float(result.trend_p[i]), 4),
            "z_by_slice": [round(float(v), 2) for v in result.z[i]],
        }
        for i in np.flatnonzero(result.category != "no_pattern")
    ]
    starts = [datetime.fromtimestamp(a, UTC).isoformat() for a, _ in slices]
    return Analysis(
        "emerging",
        {"res": res, "k": k, "slice": "month", "slices": starts},
        {"violations": len(points), **result.summary()},
        rows,
    )


def _kde(points: Points, bandwidth_m: float, cell_m: float) -> Analysis:
    density = kernel_density(points, bandwidth_m=bandwidth_m, cell_m=cell_m)
    raster = {
        "south": density.south,
        "west": density.west,
        "north": density.north,
        "east": density.east,
        "shape": list(density.values.shape),
        "values": np.round(density.values, 4).tolist(),
    }
    summary = {"violations": len(points), "max_per_km2": round(float(density.values.max()), 4)}
    return Analysis("kde", {"bandwidth_m": bandwidth_m, "cell_m": cell_m}, summary, raster=raster)


def _hours(points: Points) -> Analysis:
    grid = hour_of_week(points)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    rows = [
        {"weekday": days[d], "hour": h, "count": int(grid[d, h])}
        for d in range(7)
        for h in range(24)
    ]
    return Analysis("hours", {"timezone": "Europe/Vilnius"}, {"violations": len(points)}, rows)


def _months(points: Points) -> Analysis:
    table = monthly_by_category(points)
    rows = [
        {"month": m, "category": c, "count": n}
        for m, cats in table.items()
        for c, n in sorted(cats.items())
    ]
    return Analysis(
        "months",
        {"timezone": "Europe/Vilnius"},
        {"violations": len(points), "months": len(table)},
        rows,
    )


def _near_repeat(points: Points, permutations: int) -> Analysis:
    result = near_repeat(points, permutations=permutations)
    rows = [
        {
            "distance_m": d,
            "days": t,
            "observed": int(result.observed[i, j]),
            "expected": round(float(result.expected[i, j]), 2),
            "ratio": None if np.isnan(result.ratio[i, j]) else round(float(result.ratio[i, j]), 3),
            "p": round(float(result.p_value[i, j]), 4),
        }
        for i, d in enumerate(result.distance_bands_m)
        for j, t in enumerate(result.time_bands_days)
    ]
    return Analysis(
        "near-repeat",
        {"permutations": permutations, "null": "times permuted among places"},
        {"violations": len(points)},
        rows,
    )


def run_on_points(
    points: Points, kind: str, *, filters: Filters | None = None, **params: Any
) -> Analysis:
    """Run analysis ``kind`` on points already selected."""
    filters = filters or Filters()
    if len(points) == 0:
        raise AnalysisInputError(
            "no violations match the filters in this period",
            hint="widen the period or remove a filter",
        )
    res, k = int(params.get("res", 7)), int(params.get("k", 1))
    if kind == "hexbin":
        return _hexbin(points, res)
    if kind == "hotspots":
        return _hotspots(points, res, k)
    if kind == "emerging":
        return _emerging(points, filters, res, k)
    if kind == "kde":
        return _kde(
            points, float(params.get("bandwidth_m", 2000)), float(params.get("cell_m", 500))
        )
    if kind == "hours":
        return _hours(points)
    if kind == "months":
        return _months(points)
    if kind == "near-repeat":
        return _near_repeat(points, int(params.get("permutations", 99)))
    raise AnalysisInputError(f"unknown analysis {kind!r}", hint="one of: " + ", ".join(KINDS))


def analyse(
    conn: Connection, kind: str, *, filters: Filters, datasets: frozenset[str], **params: Any
) -> Analysis:
    """Run analysis ``kind`` over the violations the caller may read."""
    if kind not in KINDS:
        raise AnalysisInputError(f"unknown analysis {kind!r}", hint="one of: " + ", ".join(KINDS))
    points = load_points(conn, filters=filters, datasets=datasets)
    return run_on_points(points, kind, filters=filters, **params)


def compare(
    conn: Connection, *, first: Filters, second: Filters, datasets: frozenset[str], res: int = 7
) -> Analysis:
    """Counts per cell in two periods and their difference (the second minus the first)."""
    a = load_points(conn, filters=first, datasets=datasets)
    b = load_points(conn, filters=second, datasets=datasets)
    if len(a) == 0 or len(b) == 0:
        raise AnalysisInputError(f"both periods need violations (first {len(a)}, second {len(b)})")
    cells_a, cells_b = _hexbin(a, res).rows, _hexbin(b, res).rows
    counts: dict[str, list[int]] = {}
    for row in cells_a:
        counts.setdefault(row["cell"], [0, 0])[0] = row["count"]
    for row in cells_b:
        counts.setdefault(row["cell"], [0, 0])[1] = row["count"]
    rows = [{"cell": c, "first": x, "second": y, "change": y - x} for c, (x, y) in counts.items()]
    rows.sort(key=lambda r: (-abs(r["change"]), r["cell"]))
    summary = {"first": len(a), "second": len(b), "change": len(b) - len(a)}
    return Analysis("compare", {"res": res}, summary, rows)
