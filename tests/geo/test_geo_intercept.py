"""Interception points on a real Valhalla route (Helsinki tiles) and on the estimate."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
import shapely

from pasienis.geo import (
    CoordinateError,
    GeoError,
    GreatCircleRouter,
    InterceptionPoint,
    Point,
    RoutePath,
    Router,
    interception_points,
)
from pasienis.geo.intercept import sample_route

# The "camera" in the south-west of the extract, the "checkpoint" in the north-east.
CAMERA = Point(60.1650, 24.9375)
CHECKPOINT = Point(60.1785, 24.9505)
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
EVERY_M = 200.0


def _metres_to_line(point: Point, path: RoutePath) -> float:
    """Distance from a point to the route polyline, in a local metric frame."""
    scale = math.cos(math.radians(point.lat)) * 111_320.0
    line = shapely.LineString([(p.lon * scale, p.lat * 110_574.0) for p in path.points])
    return float(line.distance(shapely.Point(point.lon * scale, point.lat * 110_574.0)))


@pytest.fixture(scope="module")
def vehicle_route(valhalla_router: Router) -> RoutePath:
    return valhalla_router.route(CAMERA, CHECKPOINT)


@pytest.fixture(scope="module")
def unit_near_route(vehicle_route: RoutePath) -> Point:
    """A unit 20 m off the route, 60 % of the way to the checkpoint."""
    on_route, _ = vehicle_route.at(0.6 * vehicle_route.along_m[-1])
    return Point(on_route.lat + 0.0002, on_route.lon)


def _intercept(router: Router, unit: Point, **kwargs: object) -> list[InterceptionPoint]:
    args: dict[str, object] = {
        "camera": CAMERA,
        "destination": CHECKPOINT,
        "read_at": NOW,
        "unit": unit,
        "now": NOW,
        "every_m": EVERY_M,
    }
    return interception_points(router, **{**args, **kwargs})  # type: ignore[arg-type]


def test_points_lie_on_the_route_and_the_unit_is_first(
    valhalla_router: Router, vehicle_route: RoutePath, unit_near_route: Point
) -> None:
    assert vehicle_route.eta.method == "valhalla"
    found = _intercept(valhalla_router, unit_near_route)
    samples = sample_route(vehicle_route, EVERY_M)
    assert found, "a unit next to the route must be able to get ahead somewhere"
    assert len(found) < len(samples), "points near the camera are out of the unit's reach"
    for candidate in found:
        assert _metres_to_line(candidate.point, vehicle_route) < 1.0
        assert candidate.unit_eta.method == "valhalla"
        assert candidate.unit_at < candidate.vehicle_at
        assert candidate.margin_s == pytest.approx(
            (candidate.vehicle_at - candidate.unit_at).total_seconds()
        )
        assert candidate.vehicle_at == NOW + timedelta(seconds=candidate.vehicle_seconds)
    margins = [c.margin_s for c in found]
    assert margins == sorted(margins, reverse=True)


def test_both_etas_agree_with_independent_routes(
    valhalla_router: Router, unit_near_route: Point
) -> None:
    """Each point's times match routes computed separately (not through the sampling)."""
    for candidate in _intercept(valhalla_router, unit_near_route):
        vehicle = valhalla_router.eta(CAMERA, candidate.point)
        unit = valhalla_router.eta(unit_near_route, candidate.point)
        assert candidate.vehicle_seconds == pytest.approx(vehicle.seconds, rel=0.2, abs=20)
        assert candidate.unit_eta.seconds == pytest.approx(unit.seconds, rel=0.2, abs=20)


def test_a_unit_far_away_gets_no_points(valhalla_router: Router) -> None:
    assert _intercept(valhalla_router, Point(60.30, 24.95)) == []  # 14 km north, off the map
    assert _intercept(valhalla_router, Point(61.40, 24.00)) == []  # beyond any road


def test_a_vehicle_long_gone_gets_no_points(
    valhalla_router: Router, unit_near_route: Point
) -> None:
    assert _intercept(valhalla_router, unit_near_route, read_at=NOW - timedelta(hours=2)) == []


def test_a_demanding_margin_filters_points(valhalla_router: Router, unit_near_route: Point) -> None:
    everything = _intercept(valhalla_router, unit_near_route)
    best = everything[0].margin_s
    strict = _intercept(valhalla_router, unit_near_route, min_margin_s=best - 0.001)
    assert [c.point for c in strict] == [everything[0].point]
    faster = _intercept(valhalla_router, unit_near_route, vehicle_speed_factor=3.0)
    assert len(faster) < len(everything)


def test_on_the_estimate_router_everything_is_labelled() -> None:
    """Without tiles: Kaunas camera, vehicle to Kybartai, a unit in Marijampolė."""
    router = GreatCircleRouter(detour_factor=1.3, speed_kmh=70)
    found = interception_points(
        router,
        camera=(54.8985, 23.9036),
        destination=(54.6390, 22.7630),
        read_at=NOW,
        unit=(54.5593, 23.3541),
        now=NOW,
        every_m=5_000,
    )
    assert found
    assert all(c.unit_eta.method == "great-circle" for c in found)
    assert all(c.unit_at < c.vehicle_at for c in found)
    assert found[0].to_dict()["unit_eta"]["method"] == "great-circle"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"read_at": datetime(2026, 11, 29, 10, 0)}, "read_at must be a timezone-aware"),  # noqa: DTZ001 - the bad input under test
        ({"now": datetime(2026, 11, 29, 10, 0)}, "now must be a timezone-aware"),  # noqa: DTZ001 - the bad input under test
        ({"every_m": 0}, "sampling interval must be positive"),
        ({"vehicle_speed_factor": 0}, "speed factor must be positive"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    router = GreatCircleRouter()
    with pytest.raises(GeoError, match=message):
        _intercept(router, Point(60.17, 24.945), **kwargs)


def test_bad_positions(valhalla_router: Router) -> None:
    with pytest.raises(CoordinateError, match=r"latitude 95\.0"):
        _intercept(valhalla_router, Point(60.17, 24.945), camera=(95.0, 24.9))
