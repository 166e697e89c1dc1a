"""Violation points as column arrays: what every analysis reads.

Analyses run on numpy arrays, not rows, so a million seizures fit in a few tens of MB and
every analysis is vectorised. :func:`load_points` is the only place that reads the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, select

from pasienis.model.events import violations
from pasienis.violations.errors import AnalysisInputError
from pasienis.violations.models import is_current


@dataclass(frozen=True, slots=True)
class Filters:
    """What part of the registry an analysis looks at."""

    since: datetime | None = None
    until: datetime | None = None
    categories: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    goods: tuple[str, ...] = ()  # CN code prefixes

    def __post_init__(self) -> None:
        for when in (self.since, self.until):
            if when is not None and when.tzinfo is None:
                raise AnalysisInputError("since/until must carry a time zone")
        if self.since and self.until and self.since >= self.until:
            raise AnalysisInputError(
                f"empty period: since {self.since.isoformat()} is not before "
                f"until {self.until.isoformat()}"
            )


@dataclass(frozen=True, slots=True)
class Points:
    """Violations as parallel arrays (WGS84 degrees, POSIX seconds UTC)."""

    lat: np.ndarray
    lon: np.ndarray
    t: np.ndarray
    category: np.ndarray
    value: np.ndarray

    def __len__(self) -> int:
        return int(self.lat.shape[0])

    def where(self, mask: np.ndarray) -> Points:
        """The subset selected by a boolean mask."""
        return Points(
            self.lat[mask], self.lon[mask], self.t[mask], self.category[mask], self.value[mask]
        )

    def between(self, start: float, end: float) -> Points:
        """Points with ``start <= t < end`` (POSIX seconds)."""
        return self.where((self.t >= start) & (self.t < end))


def make_points(
    lat: Iterable[float],
    lon: Iterable[float],
    t: Iterable[float],
    category: Iterable[str] | None = None,
    value: Iterable[float] | None = None,
) -> Points:
    """Build :class:`Points` from sequences, refusing coordinates outside WGS84."""
    la = np.asarray(list(lat) if not isinstance(lat, np.ndarray) else lat, dtype=np.float64)
    lo = np.asarray(list(lon) if not isinstance(lon, np.ndarray) else lon, dtype=np.float64)
    tt = np.asarray(list(t) if not isinstance(t, np.ndarray) else t, dtype=np.float64)
    if not la.shape == lo.shape == tt.shape:
        raise AnalysisInputError("lat, lon and t must have the same length")
    bad = ~(np.isfinite(la) & np.isfinite(lo) & (np.abs(la) <= 90) & (np.abs(lo) <= 180))
    if bad.any():
        raise AnalysisInputError(f"{int(bad.sum())} points have coordinates outside WGS84")
    n = la.shape[0]
    cats = np.asarray(list(category), dtype=object) if category is not None else np.full(n, "")
    vals = np.asarray(list(value), dtype=np.float64) if value is not None else np.zeros(n)
    return Points(la, lo, tt, cats, vals)


def load_points(conn: Connection, *, filters: Filters, datasets: frozenset[str]) -> Points:
    """Violations with a position, read through the caller's dataset grants."""
    v = violations.c
    query = select(v.lat, v.lon, v.occurred_at, v.category, v.value_eur, v.attributes).where(
        v.lat.is_not(None),
        v.lon.is_not(None),
        v.dataset.in_(sorted(datasets)),
        is_current(),  # a corrected violation counts once, as its newest version
    )
    if filters.since:
        query = query.where(v.occurred_at >= filters.since)
    if filters.until:
        query = query.where(v.occurred_at < filters.until)
    if filters.categories:
        query = query.where(v.category.in_(filters.categories))
    if filters.units:
        query = query.where(v.found_by.in_(filters.units))
    rows = conn.execute(query).all()
    if filters.goods:
        prefixes = tuple(filters.goods)
        rows = [
            r for r in rows if str((r.attributes or {}).get("cn_code") or "").startswith(prefixes)
        ]
    return make_points(
        [r.lat for r in rows],
        [r.lon for r in rows],
        [r.occurred_at.timestamp() for r in rows],
        [r.category for r in rows],
        [r.value_eur or 0.0 for r in rows],
    )
