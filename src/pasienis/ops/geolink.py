"""The seam to ``pasienis.geo``: distances, ETA and point-in-polygon, as ops uses them.

Routing must never block dispatch: when the router fails (a broken tile set), ops falls back to
a great-circle estimate and says so in ``method``.
"""

from __future__ import annotations

import logging
from typing import Any

from pasienis import geo
from pasienis.config import Settings

log = logging.getLogger(__name__)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle metres (fast, for plausibility checks of phone fixes)."""
    return float(geo.haversine_m(lat1, lon1, lat2, lon2))


def make_router(settings: Settings) -> Any | None:
    """Geo's router: Valhalla on built tiles, else geo's labelled great-circle router."""
    try:
        return geo.make_router(settings)
    except Exception:  # a broken tile set must not stop dispatch: fall back in eta_s
        log.warning("geo.make_router failed; using the great-circle estimate", exc_info=True)
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
    """A prepared polygon with ``contains(lat, lon)`` (clear errors on bad GeoJSON)."""
    return geo.parse_geofence(geometry)
