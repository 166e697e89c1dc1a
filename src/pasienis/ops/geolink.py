"""The seam to ``pasienis.geo``: distances, ETA and point-in-polygon.

``geo`` is built alongside ops; its public functions are used when present, with small local
fall-backs (a haversine, shapely containment, and a great-circle ETA labelled as such) so that
ops works — and says which method it used — either way.
"""

from __future__ import annotations

import importlib
import logging
import math
from functools import cache
from typing import Any

EARTH_RADIUS_M = 6_371_008.8
log = logging.getLogger(__name__)


@cache
def _geo() -> Any | None:
    try:
        return importlib.import_module("pasienis.geo")
    except ImportError:
        return None


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle metres (``pasienis.geo.haversine_m`` when it exists)."""
    geo = _geo()
    if geo is not None and hasattr(geo, "haversine_m"):
        return float(geo.haversine_m(lat1, lon1, lat2, lon2))
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def make_router(settings: Any) -> Any | None:
    """``pasienis.geo.make_router`` (Valhalla on built tiles, else its great-circle router)."""
    geo = _geo()
    if geo is None or not hasattr(geo, "make_router"):
        return None
    try:
        return geo.make_router(settings)
    except Exception:  # a broken tile set must not stop dispatch: fall back below
        log.warning("geo.make_router failed; using the local great-circle estimate", exc_info=True)
        return None


def eta_s(
    origin: tuple[float, float],
    target: tuple[float, float],
    *,
    speed_kmh: float,
    detour: float,
    router: Any | None = None,
) -> tuple[float, float, str]:
    """(seconds, metres, method) from origin to target.

    Uses the geo router (roads, method ``valhalla``, or geo's own great-circle estimate) when
    given; otherwise great-circle distance x detour factor at an average speed, labelled
    ``great-circle``.
    """
    if router is not None:
        try:
            result = router.eta(origin, target)
            return float(result.seconds), float(result.metres), str(result.method)
        except Exception:  # any routing failure falls back: dispatch is never blocked by it
            log.warning("geo router failed; using the great-circle estimate", exc_info=True)
    metres = haversine_m(*origin, *target) * detour
    return metres / (speed_kmh / 3.6), metres, "great-circle"


def fence(geometry: dict[str, Any]) -> Any:
    """A prepared polygon with ``contains(lat, lon)`` (geo's Geofence, else shapely)."""
    geo = _geo()
    if geo is not None and hasattr(geo, "parse_geofence"):
        return geo.parse_geofence(geometry)
    return _ShapelyFence(geometry)


class _ShapelyFence:
    def __init__(self, geometry: dict[str, Any]) -> None:
        import shapely
        from shapely.geometry import shape

        self._geom = shape(geometry)
        shapely.prepare(self._geom)
        self._shapely = shapely

    def contains(self, lat: float, lon: float) -> bool:
        return bool(self._geom.covers(self._shapely.Point(lon, lat)))
