"""Road ETAs from Valhalla, run in-process by ``pyvalhalla`` on locally built tiles.

Nothing here touches the network. A position that no road in the tiles is near (Valhalla's
35 km search cutoff), or a pair with no road path between them, gets the great-circle estimate
instead, labelled ``method="great-circle"`` with a note — a dispatcher still sees every unit.
A position some way off the road (a unit parked in a field, or the coarse scenario network)
gets an off-road access leg, estimated like the fallback and mentioned in the note.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pasienis.geo.coords import Point, PointLike, as_point, geodesic_m
from pasienis.geo.errors import RoutingError
from pasienis.geo.routing import Eta, GreatCircleRouter, Method, RoutePath, path_from_points

#: Off-road legs shorter than this are GPS noise and road width, not worth a note.
ACCESS_NOTE_M = 50.0
#: Lithuania is ~370 km across; Valhalla's default matrix cap (400 km) is too tight for
#: border-to-border ranking, and 50 units x a few targets exceeds nothing below.
MATRIX_MAX_DISTANCE_M = 1_500_000.0
MATRIX_MAX_PAIRS = 20_000


def _config(tiles: Path) -> dict[str, Any]:
    import valhalla  # the compiled engine is loaded only when routing is used

    try:
        config = valhalla.get_config(tile_extract="", tile_dir=tiles)
    except FileNotFoundError:
        raise RoutingError(
            f"routing tiles folder {tiles} does not exist",
            hint="build tiles with `pasienis routing build EXTRACT.osm.pbf`",
        ) from None
    for limits in config["service_limits"].values():
        if isinstance(limits, dict) and "max_matrix_distance" in limits:
            limits["max_matrix_distance"] = MATRIX_MAX_DISTANCE_M
            limits["max_matrix_location_pairs"] = MATRIX_MAX_PAIRS
    return config


class ValhallaRouter:
    """Valhalla's ``Actor`` behind the :class:`~pasienis.geo.routing.Router` protocol.

    One lock serialises calls: the Actor keeps per-request state and is not documented as
    thread-safe, and the API runs sync handlers in a thread pool. Requests take milliseconds.
    """

    method: Method = "valhalla"

    def __init__(
        self, tiles: Path, *, costing: str = "auto", fallback: GreatCircleRouter | None = None
    ) -> None:
        import valhalla

        self.tiles = tiles
        self.costing = costing
        self.fallback = fallback or GreatCircleRouter()
        self._error = valhalla.ValhallaError
        self._actor = valhalla.Actor(_config(tiles))
        self._lock = threading.Lock()

    # -- low level -------------------------------------------------------------------------

    def _call(self, action: str, request: dict[str, Any]) -> dict[str, Any] | None:
        """Run one Valhalla action; ``None`` when Valhalla says there is no answer."""
        request = {"costing": self.costing, "units": "kilometers", **request}
        try:
            with self._lock:
                return getattr(self._actor, action)(request)
        except self._error:
            return None

    def _access(self, given: Point, snapped_lat: float, snapped_lon: float) -> tuple[float, float]:
        """Estimated (seconds, metres) of the off-road leg from a position to its road."""
        metres = geodesic_m(given.lat, given.lon, snapped_lat, snapped_lon)
        if metres < ACCESS_NOTE_M:
            return 0.0, 0.0
        metres *= self.fallback.detour_factor
        return metres / self.fallback.speed_ms, metres

    # -- Router protocol -------------------------------------------------------------------

    def eta(self, origin: PointLike, destination: PointLike, *, geometry: bool = False) -> Eta:
        """Road ETA along Valhalla's fastest route (great-circle if there is none)."""
        path = self.route(origin, destination)
        if geometry:
            return replace(path.eta, geometry=path.points)
        return path.eta

    def route(self, origin: PointLike, destination: PointLike) -> RoutePath:
        """The fastest road route, with distance and time at every vertex."""
        a, b = as_point(origin), as_point(destination)
        answer = self._call(
            "route",
            {"locations": [a.to_dict(), b.to_dict()], "directions_type": "maneuvers"},
        )
        if answer is None:
            return self.fallback.route(a, b).with_note(_NO_ROAD)
        return self._path(a, b, answer["trip"])

    def _path(self, a: Point, b: Point, trip: dict[str, Any]) -> RoutePath:
        from valhalla.midgard.utils import decode_polyline

        points: list[Point] = []
        times: list[float] = []
        for leg in trip["legs"]:
            shape = [Point(lat, lon) for lat, lon in decode_polyline(leg["shape"], 6, "latlng")]
            offset = len(points)
            points.extend(shape)
            times.extend(_segment_times(shape, leg["maneuvers"]))
            if offset:  # joining legs repeats the via point: drop the duplicate vertex
                del points[offset]
        start_s, start_m = self._access(a, points[0].lat, points[0].lon)
        end_s, end_m = self._access(b, points[-1].lat, points[-1].lon)
        summary = trip["summary"]
        # Maneuver times are rounded; scale them so the last vertex lands on the trip time.
        total = sum(times)
        if total > 0:
            times = [t * float(summary["time"]) / total for t in times]
        note = _access_note(start_m + end_m)
        seconds = float(summary["time"]) + start_s + end_s
        metres = float(summary["length"]) * 1000.0 + start_m + end_m
        eta = Eta(seconds, metres, "valhalla", None, note)
        path = path_from_points(eta, points, times)
        along = tuple(d + start_m for d in path.along_m)
        elapsed = tuple(t + start_s for t in path.elapsed_s)
        return RoutePath(eta, path.points, along, elapsed)

    def matrix(
        self, origins: Sequence[PointLike], destinations: Sequence[PointLike]
    ) -> list[list[Eta]]:
        """Valhalla's ``sources_to_targets`` matrix; unroutable pairs are estimated."""
        sources = [as_point(o) for o in origins]
        targets = [as_point(d) for d in destinations]
        if not sources or not targets:
            return [[] for _ in sources]
        answer = self._call(
            "matrix",
            {
                "sources": [p.to_dict() for p in sources],
                "targets": [p.to_dict() for p in targets],
            },
        )
        if answer is None:
            # One position far from every road makes Valhalla refuse the whole matrix:
            # fall back to one route per pair, so only the bad pairs are estimated.
            return [[self.eta(s, t) for t in targets] for s in sources]
        return self._read_matrix(sources, targets, answer)

    def _read_matrix(
        self, sources: list[Point], targets: list[Point], answer: dict[str, Any]
    ) -> list[list[Eta]]:
        snapped_s = answer.get("sources") or [None] * len(sources)
        snapped_t = answer.get("targets") or [None] * len(targets)
        rows: list[list[Eta]] = []
        for i, row in enumerate(answer["sources_to_targets"]):
            out = []
            for j, cell in enumerate(row):
                a, b = sources[i], targets[j]
                if cell.get("time") is None:
                    # CostMatrix sometimes finds no path where the route algorithm does
                    # (valhalla/valhalla#4956): ask for the route, which falls back itself.
                    out.append(self.route(a, b).eta)
                    continue
                start = self._snap_access(a, snapped_s[i])
                end = self._snap_access(b, snapped_t[j])
                seconds = float(cell["time"]) + start[0] + end[0]
                metres = float(cell["distance"]) * 1000.0 + start[1] + end[1]
                out.append(Eta(seconds, metres, "valhalla", None, _access_note(start[1] + end[1])))
            rows.append(out)
        return rows

    def _snap_access(self, given: Point, snapped: dict[str, float] | None) -> tuple[float, float]:
        if not snapped:
            return 0.0, 0.0
        return self._access(given, snapped["lat"], snapped["lon"])

    def etas(self, origins: Sequence[PointLike], destination: PointLike) -> list[Eta]:
        """Many-to-one road ETAs, one matrix call: how far each unit is from a task."""
        return [row[0] for row in self.matrix(origins, [destination])]


_NO_ROAD = "no road route between these positions in the routing tiles: estimated"


def _access_note(metres: float) -> str | None:
    if metres < ACCESS_NOTE_M:
        return None
    return f"includes an estimated {metres:.0f} m off-road leg to the nearest road"


def _segment_times(shape: list[Point], maneuvers: list[dict[str, Any]]) -> list[float]:
    """Seconds for each shape segment: each maneuver's time spread by segment length."""
    lengths = [geodesic_m(a.lat, a.lon, b.lat, b.lon) for a, b in itertools.pairwise(shape)]
    times = [0.0] * len(lengths)
    for m in maneuvers:
        begin, end = int(m["begin_shape_index"]), int(m["end_shape_index"])
        total = sum(lengths[begin:end])
        for k in range(begin, end):
            share = lengths[k] / total if total > 0 else 1.0 / (end - begin)
            times[k] = float(m["time"]) * share
    return times


@functools.lru_cache(maxsize=4)
def _router(tiles: Path, stamp: int, costing: str, detour: float, speed: float) -> ValhallaRouter:
    del stamp  # part of the cache key only: a rebuild changes it
    fallback = GreatCircleRouter(detour_factor=detour, speed_kmh=speed)
    return ValhallaRouter(tiles, costing=costing, fallback=fallback)


def cached_valhalla_router(
    tiles: Path, costing: str, fallback: GreatCircleRouter
) -> ValhallaRouter:
    """One router per tiles folder and build (the manifest's mtime marks a rebuild)."""
    manifest = tiles / "pasienis-tiles.json"
    stamp = manifest.stat().st_mtime_ns if manifest.exists() else 0
    speed_kmh = fallback.speed_ms * 3.6
    return _router(tiles.resolve(), stamp, costing, fallback.detour_factor, speed_kmh)
