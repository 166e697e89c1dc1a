"""Interception points: where a unit can get ahead of a vehicle heading for the border.

A plate read at camera A at time *t* says a vehicle is on the road towards, say, a border
checkpoint. Its likely route is the fastest road route from the camera to the checkpoint; the
vehicle passes a point *d* metres along it at about *t* + (route time to *d*). A unit at
position *u* now reaches the same point at now + ETA(u → point). Points where the unit arrives
first, by a margin, are interception candidates; the best margin comes first.

This is a pure function over a :class:`~pasienis.geo.routing.Router`, so it works on Valhalla
tiles and, labelled as estimates, on the great-circle fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pasienis.geo.coords import Point, PointLike, as_point
from pasienis.geo.errors import GeoError
from pasienis.geo.routing import Eta, RoutePath, Router


@dataclass(frozen=True)
class InterceptionPoint:
    """One candidate point on the vehicle's route, with both arrival times.

    Attributes:
        point: Where, on the vehicle's route.
        along_m: Metres from the camera along the vehicle's route.
        vehicle_seconds: Vehicle travel time from the read to this point.
        vehicle_at: When the vehicle should pass (read time + ``vehicle_seconds``).
        unit_eta: The unit's ETA from its position now (with its method: road or estimate).
        unit_at: When the unit can be there (now + ``unit_eta.seconds``).
        margin_s: ``vehicle_at - unit_at``: how long the unit waits before the vehicle comes.
    """

    point: Point
    along_m: float
    vehicle_seconds: float
    vehicle_at: datetime
    unit_eta: Eta
    unit_at: datetime
    margin_s: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping for the dispatch map."""
        return {
            "point": self.point.to_dict(),
            "along_m": round(self.along_m, 1),
            "vehicle_seconds": round(self.vehicle_seconds, 1),
            "vehicle_at": self.vehicle_at.isoformat(),
            "unit_eta": self.unit_eta.to_dict(),
            "unit_at": self.unit_at.isoformat(),
            "margin_s": round(self.margin_s, 1),
        }


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise GeoError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value


def sample_route(path: RoutePath, every_m: float) -> list[tuple[float, Point, float]]:
    """``(along_m, point, elapsed_s)`` every ``every_m`` metres, and at the route's end."""
    if not every_m > 0:
        raise GeoError(f"sampling interval must be positive, got {every_m} m")
    total = path.along_m[-1]
    marks: list[float] = []
    mark = every_m
    while mark < total:
        marks.append(mark)
        mark += every_m
    marks.append(total)
    return [(d, *path.at(d)) for d in marks]


def interception_points(
    router: Router,
    *,
    camera: PointLike,
    destination: PointLike,
    read_at: datetime,
    unit: PointLike,
    now: datetime,
    every_m: float = 5_000.0,
    min_margin_s: float = 0.0,
    vehicle_speed_factor: float = 1.0,
    vehicle_route: RoutePath | None = None,
) -> list[InterceptionPoint]:
    """Points ahead of a vehicle on its route that a unit can reach first, best margin first.

    Args:
        router: Road router (Valhalla or the great-circle estimate).
        camera: Where the plate was read.
        destination: Where the vehicle is believed to head (e.g. a border checkpoint).
        read_at: When the plate was read (timezone-aware).
        unit: The unit's position now.
        now: The current time (timezone-aware); points the vehicle has passed are skipped.
        every_m: Spacing of candidate points along the route, in metres.
        min_margin_s: Keep only points the unit reaches at least this many seconds early.
        vehicle_speed_factor: > 1 if the vehicle drives faster than normal traffic.
        vehicle_route: A route already computed (saves routing it again).

    Returns:
        Candidates sorted by margin, largest first; empty if the unit cannot get ahead.
    """
    read_at, now = _aware(read_at, "read_at"), _aware(now, "now")
    if not vehicle_speed_factor > 0:
        raise GeoError(f"vehicle speed factor must be positive, got {vehicle_speed_factor}")
    path = vehicle_route or router.route(as_point(camera), as_point(destination))
    ahead = []
    for along, point, elapsed in sample_route(path, every_m):
        vehicle_at = read_at + timedelta(seconds=elapsed / vehicle_speed_factor)
        if vehicle_at > now:
            ahead.append((along, point, elapsed / vehicle_speed_factor, vehicle_at))
    if not ahead:
        return []
    etas = router.matrix([as_point(unit)], [p for _, p, _, _ in ahead])[0]
    found = []
    for (along, point, seconds, vehicle_at), eta in zip(ahead, etas, strict=True):
        unit_at = now + timedelta(seconds=eta.seconds)
        margin = (vehicle_at - unit_at).total_seconds()
        if margin >= min_margin_s:
            found.append(InterceptionPoint(point, along, seconds, vehicle_at, eta, unit_at, margin))
    return sorted(found, key=lambda c: c.margin_s, reverse=True)
