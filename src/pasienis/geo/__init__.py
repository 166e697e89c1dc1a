"""Geo: WGS84 coordinates, geodesic distances, road ETAs (Valhalla), geofences, H3 cells and
interception points.

This module is the public surface; other capabilities import from here only.
"""

from __future__ import annotations

from pasienis.geo.basemap import (
    BaseMapError,
    TileFile,
    find_tile_file,
    local_tile_files,
    mbtiles_tile,
    read_tile_file,
    tile_source,
)
from pasienis.geo.cells import cell, cell_boundary, cell_center
from pasienis.geo.coords import (
    Point,
    PointLike,
    as_point,
    bearing_deg,
    geodesic_m,
    haversine_m,
    parse_latlon,
    validate_point,
)
from pasienis.geo.errors import (
    CoordinateError,
    GeoError,
    GeofenceError,
    RoutingError,
    TileBuildError,
)
from pasienis.geo.geofence import (
    Geofence,
    distance_to_polygon_m,
    parse_geofence,
    point_in_polygon,
)
from pasienis.geo.intercept import InterceptionPoint, interception_points
from pasienis.geo.overlay import entity_events, located_places, road_lines
from pasienis.geo.routing import (
    Eta,
    GreatCircleRouter,
    Method,
    RoutePath,
    Router,
    has_tiles,
    make_router,
    tiles_dir,
)
from pasienis.geo.tiles import TileBuild, build_tiles, read_manifest
from pasienis.geo.types import Latitude, Longitude

__all__ = [
    "BaseMapError",
    "CoordinateError",
    "Eta",
    "GeoError",
    "Geofence",
    "GeofenceError",
    "GreatCircleRouter",
    "InterceptionPoint",
    "Latitude",
    "Longitude",
    "Method",
    "Point",
    "PointLike",
    "RoutePath",
    "Router",
    "RoutingError",
    "TileBuild",
    "TileBuildError",
    "TileFile",
    "as_point",
    "bearing_deg",
    "build_tiles",
    "cell",
    "cell_boundary",
    "cell_center",
    "distance_to_polygon_m",
    "entity_events",
    "find_tile_file",
    "geodesic_m",
    "has_tiles",
    "haversine_m",
    "interception_points",
    "local_tile_files",
    "located_places",
    "make_router",
    "mbtiles_tile",
    "parse_geofence",
    "parse_latlon",
    "point_in_polygon",
    "read_manifest",
    "read_tile_file",
    "road_lines",
    "tile_source",
    "tiles_dir",
    "validate_point",
]
