"""Road ETAs: Valhalla on real Helsinki tiles, the matrix, and the labelled fallback."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pasienis.config import Settings
from pasienis.geo import (
    CoordinateError,
    GeoError,
    GreatCircleRouter,
    Point,
    Router,
    geodesic_m,
    make_router,
)
from pasienis.geo.valhalla import ValhallaRouter

# Two street corners in central Helsinki, inside the extract (lon 24.935..24.953,
# lat 60.164..60.179): near the railway station and near the Market Square.
STATION = Point(60.1710, 24.9410)
MARKET = Point(60.1675, 24.9520)
# 140 km north, far beyond the extract and Valhalla's 35 km search radius.
TAMPERE_WAY = Point(61.40, 24.00)


def test_without_tiles_the_router_is_great_circle_and_says_so(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, routing_detour_factor=1.5, routing_speed_kmh=72.0)
    router = make_router(settings)
    assert isinstance(router, Router)
    assert router.method == "great-circle"
    eta = router.eta(STATION, MARKET)
    straight = geodesic_m(STATION.lat, STATION.lon, MARKET.lat, MARKET.lon)
    assert eta.method == "great-circle"
    assert eta.metres == pytest.approx(straight * 1.5)
    assert eta.seconds == pytest.approx(straight * 1.5 / 20.0)  # 72 km/h = 20 m/s
    assert eta.to_dict()["method"] == "great-circle"


def test_great_circle_route_is_sampled_and_timed() -> None:
    router = GreatCircleRouter(detour_factor=1.3, speed_kmh=60)
    path = router.route((54.6872, 25.2797), (54.8985, 23.9036))
    assert len(path.points) > 150  # a vertex every 500 m over ~92 km
    assert path.elapsed_s[-1] == pytest.approx(path.eta.seconds)
    assert path.along_m[-1] == pytest.approx(path.eta.metres, rel=1e-6)
    assert all(b > a for a, b in zip(path.elapsed_s, path.elapsed_s[1:], strict=False))


def test_great_circle_route_shorter_than_one_step() -> None:
    nearby = Point(STATION.lat + 0.002, STATION.lon)  # 220 m north
    path = GreatCircleRouter().route(STATION, nearby)
    assert path.points == (STATION, nearby)
    assert path.elapsed_s[-1] == pytest.approx(path.eta.seconds)


@pytest.mark.parametrize(("detour", "speed"), [(0.9, 60.0), (1.3, 0.0), (math.nan, 60.0)])
def test_great_circle_rejects_impossible_settings(detour: float, speed: float) -> None:
    with pytest.raises(GeoError, match="detour factor"):
        GreatCircleRouter(detour_factor=detour, speed_kmh=speed)


def test_settings_reject_non_positive_values() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        Settings(routing_speed_kmh=0)


def test_with_tiles_make_router_returns_valhalla(valhalla_router: Router) -> None:
    assert isinstance(valhalla_router, ValhallaRouter)
    assert valhalla_router.method == "valhalla"


def test_valhalla_route_follows_roads(valhalla_router: Router) -> None:
    eta = valhalla_router.eta(STATION, MARKET, geometry=True)
    straight = geodesic_m(STATION.lat, STATION.lon, MARKET.lat, MARKET.lon)
    assert eta.method == "valhalla"
    assert eta.note is None  # both points are on streets: no off-road leg
    assert straight < eta.metres < 3 * straight  # streets are longer than the straight line
    assert 30 < eta.seconds < 1_800  # a short city drive, at city speeds
    assert eta.geometry is not None
    assert len(eta.geometry) > 5
    first, last = eta.geometry[0], eta.geometry[-1]
    assert geodesic_m(first.lat, first.lon, STATION.lat, STATION.lon) < 50
    assert geodesic_m(last.lat, last.lon, MARKET.lat, MARKET.lon) < 50
    for p in eta.geometry:  # the route stays inside the extract
        assert 60.163 < p.lat < 60.180
        assert 24.934 < p.lon < 24.954


def test_route_path_times_add_up(valhalla_router: Router) -> None:
    path = valhalla_router.route(STATION, MARKET)
    assert path.elapsed_s[0] == 0.0
    assert path.elapsed_s[-1] == pytest.approx(path.eta.seconds, rel=1e-6)
    assert all(b >= a for a, b in zip(path.elapsed_s, path.elapsed_s[1:], strict=False))
    assert path.along_m[-1] == pytest.approx(path.eta.metres, rel=0.02)
    middle, seconds = path.at(path.along_m[-1] / 2)
    assert 0 < seconds < path.eta.seconds
    assert min(geodesic_m(middle.lat, middle.lon, p.lat, p.lon) for p in path.points) < 100


def test_matrix_of_fifty_units_to_one_target(valhalla_router: Router) -> None:
    units = [
        Point(60.1650 + 0.0002 * i, 24.9380 + 0.00025 * i) for i in range(50)
    ]  # a diagonal across the extract
    etas = valhalla_router.etas(units, MARKET)
    assert len(etas) == 50
    assert all(e.method == "valhalla" for e in etas)
    assert all(e.seconds >= 0 and e.metres >= 0 for e in etas)
    # The matrix agrees with one-by-one routes (different algorithms, same roads).
    for i in (0, 17, 49):
        single = valhalla_router.eta(units[i], MARKET)
        assert etas[i].seconds == pytest.approx(single.seconds, rel=0.25, abs=30)
    # One-way streets make road ETAs differ from straight-line order, so they must vary...
    assert len({round(e.seconds) for e in etas}) > 10
    # ...and a unit already at the target ranks first.
    ranked = valhalla_router.etas([units[0], MARKET, units[49]], MARKET)
    assert min(ranked, key=lambda e: e.seconds) is ranked[1]
    assert ranked[1].seconds < 5


def test_unit_far_from_any_road_gets_a_labelled_estimate(valhalla_router: Router) -> None:
    etas = valhalla_router.etas([STATION, TAMPERE_WAY], MARKET)
    assert etas[0].method == "valhalla"
    assert etas[1].method == "great-circle"
    assert etas[1].note is not None
    assert "no road route" in etas[1].note
    single = valhalla_router.eta(TAMPERE_WAY, MARKET)
    assert single.method == "great-circle"
    assert single.seconds == pytest.approx(etas[1].seconds)


def test_off_road_leg_is_added_and_noted(valhalla_router: Router) -> None:
    # 3 km north of the extract's edge: Valhalla snaps to the edge; we add the gap.
    outside = Point(60.2060, 24.9450)
    eta = valhalla_router.eta(outside, MARKET)
    assert eta.method == "valhalla"
    assert eta.note is not None
    assert "off-road leg" in eta.note
    assert eta.metres > geodesic_m(outside.lat, outside.lon, MARKET.lat, MARKET.lon)


def test_bad_positions_are_rejected_before_routing(valhalla_router: Router) -> None:
    with pytest.raises(CoordinateError, match=r"latitude 95\.0"):
        valhalla_router.eta((95.0, 24.94), MARKET)
    with pytest.raises(CoordinateError, match="0,0"):
        valhalla_router.etas([(0.0, 0.0)], MARKET)


def test_empty_inputs(valhalla_router: Router) -> None:
    assert valhalla_router.etas([], MARKET) == []
    assert valhalla_router.matrix([STATION], []) == [[]]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.floats(1, 89), st.floats(1, 179)), min_size=1, max_size=6),
    st.lists(st.tuples(st.floats(1, 89), st.floats(1, 179)), min_size=1, max_size=6),
)
def test_great_circle_matrix_equals_one_eta_per_pair(
    origins: list[tuple[float, float]], destinations: list[tuple[float, float]]
) -> None:
    router = GreatCircleRouter(detour_factor=1.25, speed_kmh=70)
    matrix = router.matrix(origins, destinations)
    for row, origin in zip(matrix, origins, strict=True):
        for eta, destination in zip(row, destinations, strict=True):
            single = router.eta(origin, destination)
            assert eta.method == single.method
            assert eta.metres == pytest.approx(single.metres, rel=1e-9, abs=1e-6)
            assert eta.seconds == pytest.approx(single.seconds, rel=1e-9, abs=1e-6)
