"""Emerging hot spots: space-time Gi* per cell and time slice, and a Mann-Kendall trend.

The classification follows the emerging-hot-spot categories crime analysts know (as in
ArcGIS's Emerging Hot Spot Analysis): each cell's series of space-time Gi* z-scores (a cell's
neighbours are its ring in the same and the previous slice) is tested for significance per
slice (FDR-corrected) and for a monotonic trend (Mann-Kendall, ``pymannkendall``).
esda has no released implementation; the statistic is :func:`hotspots.gi_star` itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pymannkendall
import scipy.sparse as sp

from pasienis.violations.errors import AnalysisInputError
from pasienis.violations.grid import Area, neighbour_matrix, study_area
from pasienis.violations.hotspots import fdr_significance, gi_star
from pasienis.violations.points import Points

CATEGORIES = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
    "no_pattern",
)


@dataclass(frozen=True, slots=True)
class EmergingHotSpots:
    """Per cell: category, trend statistic, and the z-score and confidence per slice."""

    area: Area
    slices: list[tuple[float, float]]
    z: np.ndarray  # cells x slices
    confidence: np.ndarray  # cells x slices, 0 where not significant
    trend_z: np.ndarray
    trend_p: np.ndarray
    category: np.ndarray

    def summary(self) -> dict[str, int]:
        counts = Counter(self.category.tolist())
        return {c: counts.get(c, 0) for c in CATEGORIES if c != "no_pattern" and counts.get(c)}


def space_time_weights(spatial: sp.csr_matrix, slices: int) -> sp.csr_matrix:
    """Neighbours in the same slice and the previous one (cube index = slice * cells + cell)."""
    same = sp.identity(slices, format="csr")
    previous = sp.eye(slices, k=-1, format="csr")
    return sp.kron(same + previous, spatial, format="csr")


def _mann_kendall(series: np.ndarray) -> tuple[float, float, str]:
    result = pymannkendall.original_test(series)
    return float(result.z), float(result.p), str(result.trend)


def classify(hot: np.ndarray, cold: np.ndarray, trend: str, trend_p: float) -> str:
    """One cell's category from its per-slice hot/cold flags and its z-score trend."""
    n = hot.shape[0]
    ever_hot, last_hot = bool(hot.any()), bool(hot[-1])
    share = hot.sum() / n
    rising = trend == "increasing" and trend_p < 0.05
    falling = trend == "decreasing" and trend_p < 0.05
    if not ever_hot:
        return "no_pattern"
    if not last_hot:
        # A hot spot of the past: hot nearly throughout before, or fading away (z falling).
        return "historical" if hot[:-1].mean() >= 0.9 or falling else "no_pattern"
    if hot[:-1].sum() == 0:
        return "new"
    if share >= 0.9:
        if rising:
            return "intensifying"
        return "diminishing" if falling else "persistent"
    if cold.any():
        return "oscillating"
    run = int(np.argmin(hot[::-1])) if not hot.all() else n
    if run >= 2 and hot[: n - run].sum() == 0:
        return "consecutive"
    return "intensifying" if rising else "sporadic"


def emerging_hot_spots(
    points: Points, *, slices: list[tuple[float, float]], res: int = 7, k: int = 1
) -> EmergingHotSpots:
    """Classify every cell that was ever hot, over the given time slices (POSIX seconds)."""
    if len(slices) < 4:
        raise AnalysisInputError("emerging hot spots need at least four time slices")
    if len(points) < 2:
        raise AnalysisInputError(f"the selection has only {len(points)} violations")
    area = study_area(points, res)
    cube = np.zeros((len(slices), area.size), dtype=np.float64)
    for s, (start, end) in enumerate(slices):
        cube[s] = area.counts((points.t >= start) & (points.t < end))
    weights = space_time_weights(neighbour_matrix(area, k=k), len(slices))
    z = gi_star(cube.ravel(), weights).reshape(cube.shape).T
    confidence = fdr_significance(z.ravel()).reshape(z.shape)
    hot = (confidence >= 0.90) & (z > 0)
    cold = (confidence >= 0.90) & (z < 0)
    category = np.full(area.size, "no_pattern", dtype=object)
    trend_z = np.zeros(area.size)
    trend_p = np.ones(area.size)
    for i in np.flatnonzero(hot.any(axis=1)):
        trend_z[i], trend_p[i], trend = _mann_kendall(z[i])
        category[i] = classify(hot[i], cold[i], trend, trend_p[i])
    return EmergingHotSpots(area, slices, z, confidence, trend_z, trend_p, category)
