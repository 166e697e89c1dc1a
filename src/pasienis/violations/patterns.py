"""Time patterns: hour of week, months by category, and near-repeat (Knox) analysis.

Hours are local (Europe/Vilnius): smugglers keep local clocks, and a UTC heat map would move
every pattern by an hour at each daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from scipy.spatial import cKDTree

from pasienis.violations.density import M_PER_DEG_LAT
from pasienis.violations.errors import AnalysisInputError
from pasienis.violations.points import Points

LOCAL = ZoneInfo("Europe/Vilnius")
DAY_S = 86_400.0


def _local(points: Points) -> list[datetime]:
    return [datetime.fromtimestamp(t, UTC).astimezone(LOCAL) for t in points.t.tolist()]


def hour_of_week(points: Points) -> np.ndarray:
    """7 x 24 counts: rows Monday..Sunday, columns local hour 0..23."""
    grid = np.zeros((7, 24), dtype=np.int64)
    for when in _local(points):
        grid[when.weekday(), when.hour] += 1
    return grid


def monthly_by_category(points: Points) -> dict[str, dict[str, int]]:
    """``{"2026-03": {"cigarettes": 12, ...}}`` in local months, sorted."""
    out: dict[str, dict[str, int]] = {}
    for when, category in zip(_local(points), points.category.tolist(), strict=True):
        month = out.setdefault(f"{when.year:04d}-{when.month:02d}", {})
        month[str(category)] = month.get(str(category), 0) + 1
    return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class NearRepeat:
    """Knox table: observed pairs per (distance band, time band), expected under the null, p."""

    distance_bands_m: list[float]
    time_bands_days: list[float]
    observed: np.ndarray
    expected: np.ndarray
    p_value: np.ndarray
    permutations: int

    @property
    def ratio(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.expected > 0, self.observed / self.expected, np.nan)


def _pair_table(
    d: np.ndarray, dt: np.ndarray, dist_edges: np.ndarray, time_edges: np.ndarray
) -> np.ndarray:
    table, _, _ = np.histogram2d(d, dt, bins=(dist_edges, time_edges))
    return table


def near_repeat(
    points: Points,
    *,
    distance_bands_m: list[float] | None = None,
    time_bands_days: list[float] | None = None,
    permutations: int = 99,
    seed: int = 0,
) -> NearRepeat:
    """Does a seizure raise the chance of another nearby within days? (Knox test).

    The null hypothesis shuffles times among the same places (Monte Carlo permutation, as in
    Ratcliffe's Near Repeat Calculator): space and time patterns each stay, their interaction
    goes. ``p`` per band is (1 + permutations with at least as many pairs) / (1 + permutations).
    """
    dist = np.asarray(distance_bands_m or [500, 1000, 2000, 4000], dtype=np.float64)
    days = np.asarray(time_bands_days or [1, 3, 7, 14], dtype=np.float64)
    if len(points) < 3:
        raise AnalysisInputError(
            f"near-repeat analysis needs at least three violations, got {len(points)}"
        )
    if np.any(np.diff(dist) <= 0) or np.any(np.diff(days) <= 0) or dist[0] <= 0 or days[0] <= 0:
        raise AnalysisInputError("distance and time bands must be positive and increasing")
    if not 1 <= permutations <= 9999:
        raise AnalysisInputError("permutations must be between 1 and 9999")
    lat0 = float(points.lat.mean())
    xy = np.column_stack(
        (points.lon * M_PER_DEG_LAT * np.cos(np.radians(lat0)), points.lat * M_PER_DEG_LAT)
    )
    pairs = cKDTree(xy).query_pairs(r=float(dist[-1]), output_type="ndarray")
    dist_edges = np.concatenate(([0.0], dist))
    time_edges = np.concatenate(([0.0], days * DAY_S))
    if pairs.shape[0] == 0:
        zero = np.zeros((dist.size, days.size))
        return NearRepeat(
            dist.tolist(), days.tolist(), zero, zero, np.ones_like(zero), permutations
        )
    d = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    observed = _pair_table(
        d, np.abs(points.t[pairs[:, 0]] - points.t[pairs[:, 1]]), dist_edges, time_edges
    )
    rng = np.random.default_rng(seed)
    total = np.zeros_like(observed)
    at_least = np.zeros_like(observed)
    for _ in range(permutations):
        t = rng.permutation(points.t)
        table = _pair_table(d, np.abs(t[pairs[:, 0]] - t[pairs[:, 1]]), dist_edges, time_edges)
        total += table
        at_least += table >= observed
    return NearRepeat(
        dist.tolist(),
        days.tolist(),
        observed,
        total / permutations,
        (1 + at_least) / (1 + permutations),
        permutations,
    )
