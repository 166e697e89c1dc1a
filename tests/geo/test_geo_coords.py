"""Coordinates: validation with clear errors, geodesic and haversine distances."""

from __future__ import annotations

import math

import pytest

from pasienis.geo import (
    CoordinateError,
    Point,
    as_point,
    bearing_deg,
    geodesic_m,
    haversine_m,
    parse_latlon,
    validate_point,
)

# WGS84 meridian quadrant (equator to pole), a published constant of the ellipsoid.
MERIDIAN_QUADRANT_M = 10_001_965.729
VILNIUS = (54.6872, 25.2797)
KAUNAS = (54.8985, 23.9036)


def test_valid_point_is_returned_as_floats() -> None:
    assert validate_point("54.6872", 25) == Point(54.6872, 25.0)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (95, 25, "latitude 95.0 is outside -90..90"),
        (-90.5, 25, "latitude -90.5 is outside"),
        (54, 180.01, "longitude 180.01 is outside -180..180"),
        (0, 0, "position 0,0 is rejected"),
        (0.0, 1e-9, "position 0,0 is rejected"),
        (math.nan, 25, "latitude must be a finite number"),
        (54, math.inf, "longitude must be a finite number"),
        ("abc", 25, "latitude must be a number, got 'abc'"),
        (True, 25, "latitude must be a number"),
        (None, 25, "latitude must be a number"),
    ],
)
def test_bad_coordinates_raise_clear_errors(lat: object, lon: object, message: str) -> None:
    with pytest.raises(CoordinateError, match=message.replace(".", r"\.")) as caught:
        validate_point(lat, lon)
    assert caught.value.status_code == 422


def test_swapped_coordinates_get_a_hint() -> None:
    with pytest.raises(CoordinateError) as caught:
        validate_point(95.0, 54.0)
    assert caught.value.hint is not None
    assert "swapped" in caught.value.hint


def test_null_island_can_be_allowed_explicitly() -> None:
    assert validate_point(0, 0, allow_null_island=True) == Point(0.0, 0.0)


@pytest.mark.parametrize(
    "value", [Point(54.0, 25.0), (54.0, 25.0), [54, 25], {"lat": 54, "lon": 25}]
)
def test_as_point_accepts_the_usual_shapes(value: object) -> None:
    assert as_point(value) == Point(54.0, 25.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["54,25", (54.0,), (1, 2, 3), {"lat": 54}, 42])
def test_as_point_rejects_other_shapes(value: object) -> None:
    with pytest.raises(CoordinateError):
        as_point(value)  # type: ignore[arg-type]


def test_parse_latlon() -> None:
    assert parse_latlon(" 54.6872, 25.2797 ") == Point(54.6872, 25.2797)
    with pytest.raises(CoordinateError, match="expected 'lat,lon'"):
        parse_latlon("54.6872")
    with pytest.raises(CoordinateError, match=r"outside -90\.\.90"):
        parse_latlon("95,25")


def test_geodesic_matches_the_wgs84_meridian_quadrant() -> None:
    assert geodesic_m(0, 0, 90, 0) == pytest.approx(MERIDIAN_QUADRANT_M, abs=0.01)


def test_haversine_is_the_sphere_and_close_to_geodesic_locally() -> None:
    assert haversine_m(0, 0, 90, 0) == pytest.approx(math.pi / 2 * 6_371_008.8, rel=1e-12)
    sphere, ellipsoid = haversine_m(*VILNIUS, *KAUNAS), geodesic_m(*VILNIUS, *KAUNAS)
    assert 85_000 < ellipsoid < 100_000
    assert sphere == pytest.approx(ellipsoid, rel=0.005)
    assert haversine_m(*VILNIUS, *VILNIUS) == 0.0


def test_bearing() -> None:
    assert bearing_deg(54, 25, 55, 25) == pytest.approx(0.0, abs=1e-9)
    assert bearing_deg(54, 25, 54, 24) == pytest.approx(270.0, abs=0.5)
