"""The risk surface a patrol plan covers: recent violations, open alerts, predicted corridors.

Recent violations weigh by recency (the same forecast that the violations capability
evaluates by PAI), spread to each cell's ring; extra points (open alerts, predicted crossing
corridors, given by the caller) add their own weight at their place, with their own reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import h3
import numpy as np

from pasienis.planning.problem import Candidate
from pasienis.violations import Points, recency_surface, study_area

DAY_S = 86_400.0


def risk_candidates(
    points: Points,
    *,
    at: float,
    res: int = 8,
    top: int = 500,
    half_life_days: float = 45.0,
    extra: Sequence[Candidate] = (),
    service_s: int = 900,
) -> list[Candidate]:
    """The ``top`` cells by recency-weighted violations, plus ``extra`` candidates."""
    out: list[Candidate] = list(extra)
    if len(points):
        area = study_area(points, res)
        scores = recency_surface(area, points, until=at, half_life_days=half_life_days)
        counts_90 = area.counts((points.t < at) & (points.t >= at - 90 * DAY_S))
        order = np.argsort(-scores)[:top]
        for i in order:
            if scores[i] <= 0:
                break
            lat, lon = h3.cell_to_latlng(area.cells[i])
            out.append(
                Candidate(
                    id=area.cells[i],
                    lat=round(lat, 6),
                    lon=round(lon, 6),
                    risk=round(float(scores[i]), 4),
                    reason=f"{int(counts_90[i])} violations here in the last 90 days; "
                    f"recency-weighted risk {scores[i]:.2f} (with neighbouring cells)",
                    service_s=service_s,
                )
            )
    return out
