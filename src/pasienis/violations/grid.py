"""H3 cells as the spatial unit: binning, the study area and neighbour weights.

Every cell-based analysis (hexbin, Gi*, emerging hot spots, prediction) uses the same cells and
the same neighbour rule, so their maps line up. The study area includes cells with no
violation at all: without the zeros, "cold spot" and "share of the area" mean nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import h3
import numpy as np
import scipy.sparse as sp

from pasienis.violations.errors import AnalysisInputError
from pasienis.violations.points import Points

MIN_RES, MAX_RES = 5, 10


def check_resolution(res: int) -> int:
    """H3 resolutions that make sense for a country-wide analysis (5: 250 km², 10: 0.015 km²)."""
    if isinstance(res, bool) or not isinstance(res, int) or not MIN_RES <= res <= MAX_RES:
        raise AnalysisInputError(
            f"H3 resolution must be an integer {MIN_RES}..{MAX_RES}, got {res!r}"
        )
    return res


def bin_points(points: Points, res: int) -> np.ndarray:
    """The H3 cell (hex string) of every point."""
    check_resolution(res)
    to_cell = h3.latlng_to_cell
    return np.asarray(
        [to_cell(a, b, res) for a, b in zip(points.lat.tolist(), points.lon.tolist(), strict=True)],
        dtype=object,
    )


@lru_cache(maxsize=8)
def country_cells(res: int) -> tuple[str, ...]:
    """Cells covering Lithuania's territory (the shipped base-map polygons), sorted."""
    text = resources.files("pasienis.web.geo").joinpath("lithuania.geojson").read_text("utf-8")
    cells: set[str] = set()
    for feature in json.loads(text)["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for rings in polygons:
            shape = h3.LatLngPoly(
                [(lat, lon) for lon, lat in rings[0]],
                *[[(lat, lon) for lon, lat in hole] for hole in rings[1:]],
            )
            cells.update(h3.h3shape_to_cells(shape, res))
    return tuple(sorted(cells))


@dataclass(frozen=True, slots=True)
class Area:
    """The analysed cells, an index from cell to row, and each point's row."""

    cells: tuple[str, ...]
    index: dict[str, int]
    rows: np.ndarray  # row of each point

    @property
    def size(self) -> int:
        return len(self.cells)

    def counts(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Points per cell (optionally of a subset of points)."""
        rows = self.rows if mask is None else self.rows[mask]
        return np.bincount(rows, minlength=self.size).astype(np.float64)


def study_area(points: Points, res: int, *, point_cells: np.ndarray | None = None) -> Area:
    """Lithuania's cells plus any cell holding a point (seizures just over a border line)."""
    check_resolution(res)
    cells_of_points = bin_points(points, res) if point_cells is None else point_cells
    cells = sorted(set(country_cells(res)).union(cells_of_points.tolist()))
    index = {c: i for i, c in enumerate(cells)}
    rows = np.fromiter(
        (index[c] for c in cells_of_points.tolist()), dtype=np.int64, count=len(cells_of_points)
    )
    return Area(tuple(cells), index, rows)


def neighbour_matrix(area: Area, *, k: int = 1, self_weight: bool = True) -> sp.csr_matrix:
    """Binary weights: cells within ``k`` grid steps (and the cell itself for Gi*)."""
    if k < 1:
        raise AnalysisInputError(f"neighbourhood must be at least 1 ring, got {k}")
    rows: list[int] = []
    cols: list[int] = []
    for i, cell_id in enumerate(area.cells):
        for other in h3.grid_disk(cell_id, k):
            j = area.index.get(other)
            if j is not None and (self_weight or j != i):
                rows.append(i)
                cols.append(j)
    data = np.ones(len(rows), dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(area.size, area.size))
