"""Geofences: GeoJSON polygons parsed and checked once, then asked many times.

The ops capability turns unit positions into enter/exit events with :meth:`Geofence.contains`
and shows how far a unit is from a zone with :meth:`Geofence.distance_m`. Parsing is strict and
says exactly what is wrong, because a geofence drawn wrong (open ring, lat/lon swapped,
self-crossing) silently produces wrong events later.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.ops import nearest_points, unary_union
from shapely.prepared import PreparedGeometry, prep
from shapely.validation import explain_validity

from pasienis.geo.coords import Point, geodesic_m, validate_point
from pasienis.geo.errors import CoordinateError, GeofenceError

_POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Geofence:
    """A validated (multi)polygon in WGS84 lon/lat, prepared for fast containment tests."""

    geometry: Polygon | MultiPolygon
    _prepared: PreparedGeometry = field(repr=False, compare=False)

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the point is inside or on the boundary."""
        point = validate_point(lat, lon)
        return bool(self._prepared.covers(shapely.Point(point.lon, point.lat)))

    def distance_m(self, lat: float, lon: float) -> float:
        """Geodesic distance in metres to the polygon; 0 inside or on the boundary.

        The nearest boundary point is found in a local equirectangular frame (longitudes
        scaled by cos(latitude), so metres are the same north and east), then the distance to
        it is measured on the WGS84 ellipsoid.
        """
        point = validate_point(lat, lon)
        if self.contains(point.lat, point.lon):
            return 0.0
        scale = math.cos(math.radians(point.lat))
        scaled = shapely.transform(self.geometry, lambda xy: xy * [scale, 1.0])
        near, _ = nearest_points(scaled, shapely.Point(point.lon * scale, point.lat))
        return geodesic_m(point.lat, point.lon, near.y, near.x / scale)

    def to_geojson(self) -> dict[str, Any]:
        """The geometry as a GeoJSON mapping (lists, ready for ``json.dumps``)."""
        return json.loads(shapely.to_geojson(self.geometry))


def _load(geojson: str | bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(geojson, str | bytes):
        try:
            geojson = json.loads(geojson)
        except json.JSONDecodeError as exc:
            raise GeofenceError(f"geofence is not valid JSON: {exc}") from None
    if not isinstance(geojson, Mapping):
        raise GeofenceError(f"geofence must be a GeoJSON object, got {type(geojson).__name__}")
    return geojson


def _geometries(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    kind = obj.get("type")
    if kind == "Feature":
        geometry = obj.get("geometry")
        if not isinstance(geometry, Mapping):
            raise GeofenceError("GeoJSON Feature has no geometry")
        return [geometry]
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list) or not features:
            raise GeofenceError("GeoJSON FeatureCollection has no features")
        return [g for f in features for g in _geometries(_load(f))]
    if kind in _POLYGONAL:
        return [obj]
    raise GeofenceError(
        f"geofence must be a Polygon or MultiPolygon, got type {kind!r}",
        hint="draw an area, not a point or a line; a Feature or FeatureCollection is fine",
    )


def _check_rings(geometry: Mapping[str, Any]) -> None:
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind not in _POLYGONAL:
        raise GeofenceError(f"geofence must be a Polygon or MultiPolygon, got type {kind!r}")
    if not isinstance(coords, list | tuple) or not coords:
        raise GeofenceError(f"{kind} has no coordinates")
    polygons = [coords] if kind == "Polygon" else coords
    for p, rings in enumerate(polygons):
        if not isinstance(rings, list | tuple) or not rings:
            raise GeofenceError(f"polygon {p} has no rings")
        for r, ring in enumerate(rings):
            _check_ring(ring, f"polygon {p} ring {r}")


def _check_ring(ring: object, where: str) -> None:
    if not isinstance(ring, list | tuple) or len(ring) < 4:
        raise GeofenceError(
            f"{where} needs at least 4 positions (a triangle plus the closing point)"
        )
    for i, position in enumerate(ring):
        if not isinstance(position, list | tuple) or len(position) < 2:
            raise GeofenceError(f"{where} position {i} is not a [lon, lat] pair: {position!r}")
        try:
            validate_point(position[1], position[0], allow_null_island=True)
        except CoordinateError as exc:
            raise GeofenceError(
                f"{where} position {i}: {exc.message}",
                hint="GeoJSON positions are [longitude, latitude], in that order",
            ) from None
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise GeofenceError(
            f"{where} is not closed: first position {ring[0]} differs from last {ring[-1]}",
            hint="repeat the first position at the end of the ring",
        )


def parse_geofence(geojson: str | bytes | Mapping[str, Any]) -> Geofence:
    """Parse and validate a GeoJSON Polygon/MultiPolygon (bare, Feature or FeatureCollection).

    Raises:
        GeofenceError: Naming the polygon, ring and position at fault.
    """
    parts = _geometries(_load(geojson))
    shapes = []
    for part in parts:
        _check_rings(part)
        geometry = shape(part)
        if not geometry.is_valid:
            raise GeofenceError(
                f"geofence polygon is invalid: {explain_validity(geometry)}",
                hint="a ring must not cross itself; holes must lie inside the outer ring",
            )
        shapes.append(geometry)
    merged = shapes[0] if len(shapes) == 1 else unary_union(shapes)
    if merged.is_empty or merged.area == 0:
        raise GeofenceError("geofence has no area")
    return Geofence(merged, prep(merged))


def point_in_polygon(lat: float, lon: float, geojson: str | Mapping[str, Any] | Geofence) -> bool:
    """Whether a point lies inside (or on the edge of) a GeoJSON polygon."""
    fence = geojson if isinstance(geojson, Geofence) else parse_geofence(geojson)
    return fence.contains(lat, lon)


def distance_to_polygon_m(
    lat: float, lon: float, geojson: str | Mapping[str, Any] | Geofence
) -> float:
    """Geodesic metres from a point to a GeoJSON polygon (0 inside)."""
    fence = geojson if isinstance(geojson, Geofence) else parse_geofence(geojson)
    return fence.distance_m(lat, lon)


__all__ = ["Geofence", "Point", "distance_to_polygon_m", "parse_geofence", "point_in_polygon"]
