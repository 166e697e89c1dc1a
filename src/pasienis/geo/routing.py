"""Road ETAs: the :class:`Router` protocol, its great-circle fallback, and :func:`make_router`.

Every answer says how it was made (``method``): ``"valhalla"`` is a road route on tiles built
from OpenStreetMap; ``"great-circle"`` is the geodesic distance times a detour factor at an
average speed — an estimate, shown as such, used when no tiles are built or when a position is
too far from any road in the tiles.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from pasienis.config import Settings
from pasienis.geo.coords import WGS84, Point, PointLike, as_point, geodesic_m
from pasienis.geo.errors import GeoError

Method = Literal["valhalla", "great-circle"]
# Vertex spacing of the straight "route" the fallback draws, so interception can sample it.
_GREAT_CIRCLE_STEP_M = 500.0


@dataclass(frozen=True, slots=True)
class Eta:
    """Travel time and distance from an origin to a destination, and how it was estimated.

    Attributes:
        seconds: Travel time.
        metres: Travel distance (road distance, or estimated road distance for great-circle).
        method: ``"valhalla"`` (road route) or ``"great-circle"`` (estimate).
        geometry: The path as points, when asked for (``eta(..., geometry=True)``).
        note: Why an answer is an estimate or includes an off-road leg, for people to read.
    """

    seconds: float
    metres: float
    method: Method
    geometry: tuple[Point, ...] | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (geometry as ``[[lat, lon], ...]``)."""
        out: dict[str, Any] = {
            "seconds": round(self.seconds, 1),
            "metres": round(self.metres, 1),
            "method": self.method,
        }
        if self.geometry is not None:
            out["geometry"] = [[p.lat, p.lon] for p in self.geometry]
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class RoutePath:
    """A route with, for each vertex, the distance and time from the start.

    ``elapsed_s`` lets interception say *when* a vehicle should pass a point, not only where.
    """

    eta: Eta
    points: tuple[Point, ...]
    along_m: tuple[float, ...]
    elapsed_s: tuple[float, ...]

    def with_note(self, note: str) -> RoutePath:
        """The same path with a note on its ETA (why it is an estimate)."""
        return replace(self, eta=replace(self.eta, note=note))

    def at(self, distance_m: float) -> tuple[Point, float]:
        """The point and the elapsed seconds ``distance_m`` metres along the route."""
        distance_m = min(max(distance_m, 0.0), self.along_m[-1])
        hi = next((i for i, a in enumerate(self.along_m) if a >= distance_m), len(self.points) - 1)
        lo = max(hi - 1, 0)
        span = self.along_m[hi] - self.along_m[lo]
        f = 0.0 if span <= 0 else (distance_m - self.along_m[lo]) / span
        a, b = self.points[lo], self.points[hi]
        point = Point(a.lat + f * (b.lat - a.lat), a.lon + f * (b.lon - a.lon))
        seconds = self.elapsed_s[lo] + f * (self.elapsed_s[hi] - self.elapsed_s[lo])
        return point, seconds


def path_from_points(eta: Eta, points: Sequence[Point], times: Sequence[float]) -> RoutePath:
    """Build a :class:`RoutePath` from vertices and the travel time of each segment."""
    along, elapsed = [0.0], [0.0]
    for (a, b), t in zip(itertools.pairwise(points), times, strict=True):
        along.append(along[-1] + geodesic_m(a.lat, a.lon, b.lat, b.lon))
        elapsed.append(elapsed[-1] + t)
    return RoutePath(eta, tuple(points), tuple(along), tuple(elapsed))


@runtime_checkable
class Router(Protocol):
    """What ops and interception need from routing; both implementations below satisfy it."""

    method: Method

    def eta(self, origin: PointLike, destination: PointLike, *, geometry: bool = False) -> Eta:
        """ETA from one point to another."""
        ...

    def etas(self, origins: Sequence[PointLike], destination: PointLike) -> list[Eta]:
        """Many-to-one ETAs, in the order of ``origins`` (ranking units for one task)."""
        ...

    def matrix(
        self, origins: Sequence[PointLike], destinations: Sequence[PointLike]
    ) -> list[list[Eta]]:
        """ETAs for every origin (rows) to every destination (columns)."""
        ...

    def route(self, origin: PointLike, destination: PointLike) -> RoutePath:
        """The path with distance and time at every vertex."""
        ...


class GreatCircleRouter:
    """Geodesic distance x detour factor at an average speed: an estimate, labelled as one."""

    method: Method = "great-circle"

    def __init__(self, *, detour_factor: float = 1.3, speed_kmh: float = 60.0) -> None:
        if not detour_factor >= 1.0 or not speed_kmh > 0:
            raise GeoError(
                f"great-circle router needs detour factor ≥ 1 and speed > 0, "
                f"got {detour_factor} and {speed_kmh}"
            )
        self.detour_factor = detour_factor
        self.speed_ms = speed_kmh / 3.6

    def eta(
        self,
        origin: PointLike,
        destination: PointLike,
        *,
        geometry: bool = False,
        note: str | None = None,
    ) -> Eta:
        """Estimated ETA; the geometry, if asked, is the straight (geodesic) line."""
        a, b = as_point(origin), as_point(destination)
        metres = geodesic_m(a.lat, a.lon, b.lat, b.lon) * self.detour_factor
        line = (a, b) if geometry else None
        return Eta(metres / self.speed_ms, metres, "great-circle", line, note)

    def etas(self, origins: Sequence[PointLike], destination: PointLike) -> list[Eta]:
        """Many-to-one estimates."""
        return [self.eta(o, destination) for o in origins]

    def matrix(
        self, origins: Sequence[PointLike], destinations: Sequence[PointLike]
    ) -> list[list[Eta]]:
        """Every origin to every destination, computed on whole arrays (same formula as
        :meth:`eta`: geodesic metres x detour factor at the average speed)."""
        sources = [as_point(o) for o in origins]
        targets = [as_point(d) for d in destinations]
        if not sources or not targets:
            return [[] for _ in sources]
        src_lat = np.repeat([p.lat for p in sources], len(targets))
        src_lon = np.repeat([p.lon for p in sources], len(targets))
        dst_lat = np.tile([p.lat for p in targets], len(sources))
        dst_lon = np.tile([p.lon for p in targets], len(sources))
        _, _, metres = WGS84.inv(src_lon, src_lat, dst_lon, dst_lat)
        metres = np.asarray(metres).reshape(len(sources), len(targets)) * self.detour_factor
        return [
            [Eta(float(m) / self.speed_ms, float(m), "great-circle") for m in row]
            for row in metres.tolist()
        ]

    def route(self, origin: PointLike, destination: PointLike) -> RoutePath:
        """The geodesic line densified every 500 m, time spread evenly along it."""
        a, b = as_point(origin), as_point(destination)
        eta = self.eta(a, b)
        straight = geodesic_m(a.lat, a.lon, b.lat, b.lon)
        steps = int(straight // _GREAT_CIRCLE_STEP_M)
        inner = WGS84.npts(a.lon, a.lat, b.lon, b.lat, steps) if steps else []
        points = [a, *(Point(lat, lon) for lon, lat in inner), b]
        path = path_from_points(eta, points, [0.0] * (len(points) - 1))
        scale = eta.seconds / path.along_m[-1] if path.along_m[-1] > 0 else 0.0
        elapsed = tuple(d * scale for d in path.along_m)
        along = tuple(d * self.detour_factor for d in path.along_m)
        return RoutePath(eta, path.points, along, elapsed)


def tiles_dir(settings: Settings) -> Path:
    """Where routing tiles live: the setting, or ``<data_dir>/routing/tiles``."""
    return settings.routing_tiles_dir or settings.data_dir / "routing" / "tiles"


def has_tiles(path: Path) -> bool:
    """Whether a folder holds built Valhalla tiles (at least one ``.gph`` graph tile)."""
    return path.is_dir() and any(path.rglob("*.gph"))


def make_router(settings: Settings) -> Router:
    """The best router the installation has: Valhalla on built tiles, else great-circle.

    The Valhalla router is cached per tiles folder and build, so calling this per request is
    cheap and a rebuild (``pasienis routing build``) is picked up without a restart.
    """
    fallback = GreatCircleRouter(
        detour_factor=settings.routing_detour_factor, speed_kmh=settings.routing_speed_kmh
    )
    path = tiles_dir(settings)
    if not has_tiles(path):
        return fallback
    # Imported here so that the core imports without the Valhalla binaries loaded.
    from pasienis.geo.valhalla import cached_valhalla_router

    return cached_valhalla_router(path, settings.routing_costing, fallback)
