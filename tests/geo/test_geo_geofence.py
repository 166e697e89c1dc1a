"""Geofences: strict GeoJSON parsing, containment and geodesic distance."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pasienis.geo import (
    CoordinateError,
    GeofenceError,
    distance_to_polygon_m,
    geodesic_m,
    parse_geofence,
    point_in_polygon,
)

# A box around Vilnius old town: lon 25.27..25.30, lat 54.67..54.69 (GeoJSON is [lon, lat]).
BOX = [[25.27, 54.67], [25.30, 54.67], [25.30, 54.69], [25.27, 54.69], [25.27, 54.67]]
HOLE = [[25.28, 54.675], [25.29, 54.675], [25.29, 54.685], [25.28, 54.685], [25.28, 54.675]]


def polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def test_inside_outside_and_on_the_edge() -> None:
    fence = parse_geofence(polygon(BOX))
    assert fence.contains(54.68, 25.275)
    assert not fence.contains(54.70, 25.275)
    assert fence.contains(54.67, 25.285)  # on the boundary counts as inside
    assert point_in_polygon(54.68, 25.275, polygon(BOX))
    assert not point_in_polygon(54.68, 25.31, json.dumps(polygon(BOX)))


def test_a_hole_is_outside() -> None:
    fence = parse_geofence(polygon(BOX, HOLE))
    assert not fence.contains(54.68, 25.285)
    assert fence.contains(54.68, 25.275)


def test_feature_collection_and_multipolygon() -> None:
    east = [[25.40, 54.67], [25.41, 54.67], [25.41, 54.68], [25.40, 54.67]]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": polygon(BOX)},
            {"type": "Feature", "properties": {}, "geometry": polygon(east)},
        ],
    }
    multi = {"type": "MultiPolygon", "coordinates": [[BOX], [east]]}
    for source in (collection, multi):
        fence = parse_geofence(source)
        assert fence.contains(54.68, 25.275)
        assert fence.contains(54.672, 25.405)
        assert not fence.contains(54.68, 25.35)


def test_distance_is_zero_inside_and_geodesic_outside() -> None:
    fence = parse_geofence(polygon(BOX))
    assert fence.distance_m(54.68, 25.28) == 0.0
    # Due north of the top edge: the nearest point is straight south on the edge.
    north = distance_to_polygon_m(54.70, 25.285, polygon(BOX))
    assert north == pytest.approx(geodesic_m(54.70, 25.285, 54.69, 25.285), abs=0.5)
    assert 1_100 < north < 1_125  # 0.01 degree of latitude is ~1.11 km
    # Diagonally off the north-east corner: the nearest point is the corner itself.
    corner = fence.distance_m(54.70, 25.32)
    assert corner == pytest.approx(geodesic_m(54.70, 25.32, 54.69, 25.30), abs=0.5)
    # Due east of the east edge, where a degree of longitude is ~64 km, not 111 km.
    east = fence.distance_m(54.68, 25.31)
    assert east == pytest.approx(geodesic_m(54.68, 25.31, 54.68, 25.30), abs=0.5)
    assert 600 < east < 700


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a GeoJSON object"),
        ({"type": "Point", "coordinates": [25.0, 54.0]}, "got type 'Point'"),
        ({"type": "LineString", "coordinates": [[25, 54], [26, 55]]}, "got type 'LineString'"),
        ({"type": "Feature", "geometry": None}, "Feature has no geometry"),
        ({"type": "FeatureCollection", "features": []}, "has no features"),
        ({"type": "Polygon", "coordinates": []}, "Polygon has no coordinates"),
        (polygon(BOX[:3]), "needs at least 4 positions"),
        (polygon([*BOX[:-1], [25.27, 54.671]]), "ring 0 is not closed"),
        (polygon([[25.27, 95.0], *BOX[1:]]), "ring 0 position 0: latitude 95.0 is outside"),
        (polygon([[25.27, 54.67], "x", [25.30, 54.69], [25.27, 54.67]]), "position 1 is not"),
        (
            polygon(
                [[25.27, 54.67], [25.30, 54.69], [25.30, 54.67], [25.27, 54.69], [25.27, 54.67]]
            ),
            "invalid: Self-intersection",
        ),
        (polygon([[25.27, 54.67], [25.28, 54.67], [25.29, 54.67], [25.27, 54.67]]), "invalid"),
    ],
)
def test_bad_geofences_say_what_is_wrong(source: object, message: str) -> None:
    with pytest.raises(GeofenceError, match=message) as caught:
        parse_geofence(source)  # type: ignore[arg-type]
    assert caught.value.status_code == 422


def test_bad_point_against_a_good_fence() -> None:
    with pytest.raises(CoordinateError, match=r"latitude 95\.0"):
        parse_geofence(polygon(BOX)).contains(95.0, 25.0)


def test_round_trip_to_geojson() -> None:
    fence = parse_geofence({"type": "Feature", "geometry": polygon(BOX), "properties": {}})
    again = parse_geofence(fence.to_geojson())
    assert again.geometry.equals(fence.geometry)
