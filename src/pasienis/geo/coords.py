"""WGS84 points: validation with clear errors, and distances.

Two distances, on purpose. :func:`geodesic_m` uses pyproj's ``Geod`` (Karney's algorithm on the
WGS84 ellipsoid, accurate to nanometres) and is what we report to users. :func:`haversine_m`
assumes a sphere (error up to ~0.5 %, i.e. 5 m per km) but is a few arithmetic operations, so
it is used where only an estimate is needed anyway — the great-circle ETA fallback multiplies
it by a detour factor that is far less certain than 0.5 %, and ranking many units needs speed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyproj import Geod

from pasienis.geo.errors import CoordinateError

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), the usual haversine choice
WGS84 = Geod(ellps="WGS84")
# A GPS without a fix, or a blank spreadsheet cell turned into a number, reports 0,0
# ("null island", in the Gulf of Guinea). No customs unit is ever there.
_NULL_ISLAND_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Point:
    """A validated WGS84 position in decimal degrees."""

    lat: float
    lon: float

    def to_dict(self) -> dict[str, float]:
        """``{"lat": ..., "lon": ...}`` for JSON answers."""
        return {"lat": self.lat, "lon": self.lon}


PointLike = Point | tuple[float, float] | Sequence[float] | Mapping[str, Any]


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CoordinateError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise CoordinateError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise CoordinateError(f"{name} must be a finite number, got {value!r}")
    return number


def validate_point(lat: object, lon: object, *, allow_null_island: bool = False) -> Point:
    """Check a latitude/longitude pair and return it as a :class:`Point`.

    Args:
        lat: Latitude in decimal degrees, -90..90.
        lon: Longitude in decimal degrees, -180..180.
        allow_null_island: Accept exactly 0,0 (rejected by default: it is what a GPS without a
            fix or an empty cell reports, never a real unit position).

    Raises:
        CoordinateError: With the offending value and a hint (e.g. swapped lat/lon).
    """
    la, lo = _number(lat, "latitude"), _number(lon, "longitude")
    if not -90.0 <= la <= 90.0:
        hint = "latitude and longitude may be swapped" if -90 <= lo <= 90 else None
        raise CoordinateError(f"latitude {la} is outside -90..90", hint=hint)
    if not -180.0 <= lo <= 180.0:
        raise CoordinateError(f"longitude {lo} is outside -180..180")
    if not allow_null_island and abs(la) < _NULL_ISLAND_EPS and abs(lo) < _NULL_ISLAND_EPS:
        raise CoordinateError(
            "position 0,0 is rejected", hint="0,0 is what a GPS without a fix reports"
        )
    return Point(la, lo)


def as_point(value: PointLike) -> Point:
    """Accept a :class:`Point`, a ``(lat, lon)`` pair or a ``{"lat", "lon"}`` mapping."""
    if isinstance(value, Point):
        return value
    if isinstance(value, Mapping):
        if "lat" not in value or "lon" not in value:
            raise CoordinateError(f"a position needs 'lat' and 'lon', got keys {sorted(value)}")
        return validate_point(value["lat"], value["lon"])
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
        raise CoordinateError(f"a position is a (lat, lon) pair, got {value!r}")
    return validate_point(value[0], value[1])


def parse_latlon(text: str) -> Point:
    """Parse ``"54.6872,25.2797"`` (latitude first, as map apps copy it) into a point."""
    parts = [p.strip() for p in str(text).replace(";", ",").split(",")]
    if len(parts) != 2 or not all(parts):
        raise CoordinateError(
            f"expected 'lat,lon', got {text!r}", hint="e.g. 54.6872,25.2797 (Vilnius)"
        )
    return validate_point(parts[0], parts[1])


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres on a sphere (fast; ~0.5 % error at most)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def geodesic_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres on the WGS84 ellipsoid (pyproj ``Geod.inv``)."""
    _, _, dist = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial geodesic bearing from point 1 to point 2, degrees clockwise from north, 0..360."""
    azimuth, _, _ = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(azimuth) % 360.0
