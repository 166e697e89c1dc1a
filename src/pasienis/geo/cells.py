"""H3 hexagonal cells, the unit of later hotspot analysis (counts of reads, seizures per cell)."""

from __future__ import annotations

import h3

from pasienis.geo.coords import Point, validate_point
from pasienis.geo.errors import CoordinateError


def _resolution(res: int) -> int:
    if isinstance(res, bool) or not isinstance(res, int) or not 0 <= res <= 15:
        raise CoordinateError(f"H3 resolution must be an integer 0..15, got {res!r}")
    return res


def cell(lat: float, lon: float, res: int) -> str:
    """The H3 cell id (hex string) holding a point at resolution ``res`` (0 coarse..15 fine).

    Resolution 7 cells are ~5 km² (a town district), 9 are ~0.1 km² (a road junction).
    """
    point = validate_point(lat, lon)
    return str(h3.latlng_to_cell(point.lat, point.lon, _resolution(res)))


def cell_center(cell_id: str) -> Point:
    """The centre of an H3 cell."""
    if not isinstance(cell_id, str) or not h3.is_valid_cell(cell_id):
        raise CoordinateError(f"not an H3 cell id: {cell_id!r}")
    lat, lon = h3.cell_to_latlng(cell_id)
    return Point(lat, lon)


def cell_boundary(cell_id: str) -> list[Point]:
    """The corners of an H3 cell, for drawing it on a map."""
    if not isinstance(cell_id, str) or not h3.is_valid_cell(cell_id):
        raise CoordinateError(f"not an H3 cell id: {cell_id!r}")
    return [Point(lat, lon) for lat, lon in h3.cell_to_boundary(cell_id)]
