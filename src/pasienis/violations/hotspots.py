"""Getis-Ord Gi* hot and cold spots with a false-discovery-rate correction.

Why Gi* and not a density map: a dense area is not necessarily a significant one. Gi* asks
whether a cell and its neighbours hold more (or fewer) violations than chance would put there,
and the Benjamini-Hochberg correction keeps the share of false "hot spots" among thousands of
tested cells at the chosen rate. :func:`gi_star` is the one definition of the statistic (the
tests prove it equal to PySAL esda's ``G_Local(star=True)``); it is written on sparse matrices
so the same code serves the space-time cube of emerging hot spots, which esda has no release of.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import stats

from pasienis.violations.errors import AnalysisInputError
from pasienis.violations.grid import Area, neighbour_matrix, study_area
from pasienis.violations.points import Points

CONFIDENCE_LEVELS = (0.99, 0.95, 0.90)


def gi_star(values: np.ndarray, weights: sp.csr_matrix) -> np.ndarray:
    """Gi* z-scores of ``values`` under ``weights`` (which include each unit itself).

    Ord & Getis (1995): (sum_j w_ij x_j - mean * W_i) / (S * sqrt((n * S1_i - W_i^2) / (n - 1))).
    """
    x = np.asarray(values, dtype=np.float64)
    n = x.shape[0]
    if n < 3:
        raise AnalysisInputError("Gi* needs at least three cells")
    mean = x.mean()
    s = np.sqrt((x * x).mean() - mean * mean)
    if s == 0:
        raise AnalysisInputError("every cell has the same count: there is no spot to find")
    w_sum = np.asarray(weights.sum(axis=1)).ravel()
    w_sq = np.asarray(weights.multiply(weights).sum(axis=1)).ravel()
    lag = weights @ x
    denominator = s * np.sqrt(np.maximum(n * w_sq - w_sum * w_sum, 0.0) / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (lag - mean * w_sum) / denominator
    return np.where(denominator > 0, z, 0.0)


def fdr_significance(z: np.ndarray) -> np.ndarray:
    """Highest confidence (0.99/0.95/0.90, or 0) at which each z stays significant under FDR."""
    p = 2.0 * stats.norm.sf(np.abs(z))
    adjusted = stats.false_discovery_control(p, method="bh")
    level = np.zeros_like(z)
    for confidence in sorted(CONFIDENCE_LEVELS):
        level[adjusted <= 1 - confidence] = confidence
    return level


@dataclass(frozen=True, slots=True)
class HotSpots:
    """Per-cell counts, Gi* z-scores, and the FDR-corrected confidence of each spot."""

    area: Area
    counts: np.ndarray
    z: np.ndarray
    confidence: np.ndarray  # 0 where not significant

    def kind(self, i: int) -> str:
        if self.confidence[i] == 0:
            return "not_significant"
        return "hot" if self.z[i] > 0 else "cold"

    def hot_cells(self, confidence: float = 0.95) -> list[str]:
        """Cells that are hot at ``confidence`` or higher."""
        mask = (self.confidence >= confidence) & (self.z > 0)
        return [self.area.cells[i] for i in np.flatnonzero(mask)]

    def cold_cells(self, confidence: float = 0.95) -> list[str]:
        mask = (self.confidence >= confidence) & (self.z < 0)
        return [self.area.cells[i] for i in np.flatnonzero(mask)]


def hot_spots(points: Points, *, res: int = 7, k: int = 1, area: Area | None = None) -> HotSpots:
    """Gi* over H3 cells of ``points`` (the study area includes empty cells)."""
    if len(points) < 2:
        raise AnalysisInputError(
            f"hot-spot analysis needs at least two violations, the selection has {len(points)}"
        )
    area = area or study_area(points, res)
    counts = area.counts()
    z = gi_star(counts, neighbour_matrix(area, k=k))
    return HotSpots(area, counts, z, fdr_significance(z))
