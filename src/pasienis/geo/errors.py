"""Errors of the geo capability: bad coordinates, bad geofences, routing and tile building."""

from __future__ import annotations

from pasienis.errors import PasienisError


class GeoError(PasienisError):
    """Root of the geo errors."""

    kind = "geo"


class CoordinateError(GeoError):
    """A latitude/longitude that cannot be a real WGS84 position (out of range, 0,0, NaN)."""

    status_code = 422
    kind = "invalid-coordinates"


class GeofenceError(GeoError):
    """A GeoJSON geofence that is not a valid polygon (wrong type, open ring, self-crossing)."""

    status_code = 422
    kind = "invalid-geofence"


class RoutingError(GeoError):
    """Routing tiles are missing or unreadable, or Valhalla refused a request."""

    status_code = 503
    kind = "routing"


class TileBuildError(GeoError):
    """`pasienis routing build` could not turn an OSM extract into routing tiles."""

    kind = "tile-build"
