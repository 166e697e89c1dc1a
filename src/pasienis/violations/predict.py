"""Where next? Prediction surfaces over cells and their evaluation as crime analysts do it.

Predictive Accuracy Index (Chainey et al. 2008): PAI = hit rate / area share, where the hit
rate is the share of future violations that fall in the top-ranked cells covering a given
share of the area. A method is judged against a naive baseline (last period's counts) on the
same cells and the same future.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pasienis.violations.errors import AnalysisInputError
from pasienis.violations.grid import Area, neighbour_matrix
from pasienis.violations.points import Points

DAY_S = 86_400.0
AREA_SHARES = (0.01, 0.05, 0.10)


def recency_surface(
    area: Area, points: Points, *, until: float, half_life_days: float = 45.0, k: int = 1
) -> np.ndarray:
    """Recent violations, each weighted by 2^(-age/half-life), spread to the cell's ring.

    A cell's score is its own weight plus half of its neighbours' — recent hot places, with
    the displacement to the next forest track that patrol officers expect.
    """
    if half_life_days <= 0:
        raise AnalysisInputError("half-life must be positive")
    past = points.t < until
    age_days = (until - points.t[past]) / DAY_S
    weights = np.power(2.0, -age_days / half_life_days)
    own = np.bincount(area.rows[past], weights=weights, minlength=area.size)
    ring = neighbour_matrix(area, k=k, self_weight=False)
    return own + 0.5 * (ring @ own)


def last_period_surface(area: Area, points: Points, *, start: float, end: float) -> np.ndarray:
    """The naive baseline: counts per cell in the last period before the forecast."""
    mask = (points.t >= start) & (points.t < end)
    return area.counts(mask)


def top_cells(scores: np.ndarray, share: float, *, seed: int = 0) -> np.ndarray:
    """Indexes of the best ``share`` of cells; ties broken at random (reproducibly)."""
    if not 0 < share <= 1:
        raise AnalysisInputError(f"area share must be in (0, 1], got {share}")
    n = max(1, round(share * scores.shape[0]))
    tie_break = np.random.default_rng(seed).random(scores.shape[0])
    order = np.lexsort((tie_break, -scores))
    return order[:n]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Hit rate and PAI of one surface at each area share."""

    method: str
    hit_rate: dict[float, float]
    pai: dict[float, float]


def evaluate(
    method: str,
    scores: np.ndarray,
    area: Area,
    future: np.ndarray,
    shares: tuple[float, ...] = AREA_SHARES,
) -> Evaluation:
    """Hit rate and PAI of ``scores`` against ``future`` (the future points' cell rows)."""
    if future.shape[0] == 0:
        raise AnalysisInputError("no violations in the evaluation period")
    hit, pai = {}, {}
    for share in shares:
        chosen = np.zeros(area.size, dtype=bool)
        chosen[top_cells(scores, share)] = True
        rate = float(chosen[future].mean())
        hit[share] = rate
        pai[share] = rate / (chosen.sum() / area.size)
    return Evaluation(method, hit, pai)
