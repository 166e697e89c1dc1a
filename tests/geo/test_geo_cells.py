"""H3 cells for hotspot analysis."""

from __future__ import annotations

import h3
import pytest

from pasienis.geo import CoordinateError, cell, cell_boundary, cell_center, geodesic_m


def test_cell_has_the_requested_resolution_and_contains_the_point() -> None:
    lat, lon = 54.6872, 25.2797
    cid = cell(lat, lon, 9)
    assert h3.get_resolution(cid) == 9
    center = cell_center(cid)
    # A resolution-9 cell has ~174 m edges: its centre is within that of any point inside.
    assert geodesic_m(lat, lon, center.lat, center.lon) < 200
    assert len(cell_boundary(cid)) == 6
    assert cell(center.lat, center.lon, 9) == cid


def test_coarser_resolution_holds_the_finer_cell() -> None:
    assert h3.cell_to_parent(cell(54.6872, 25.2797, 9), 5) == cell(54.6872, 25.2797, 5)


@pytest.mark.parametrize("res", [-1, 16, 7.5, "9", True])
def test_bad_resolution(res: object) -> None:
    with pytest.raises(CoordinateError, match=r"resolution must be an integer 0\.\.15"):
        cell(54.0, 25.0, res)  # type: ignore[arg-type]


def test_bad_coordinates_and_ids() -> None:
    with pytest.raises(CoordinateError, match=r"latitude 95\.0"):
        cell(95.0, 25.0, 7)
    with pytest.raises(CoordinateError, match="not an H3 cell id"):
        cell_center("not-a-cell")
