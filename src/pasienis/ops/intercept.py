"""Interception of a moving vehicle: from a plate read to points a unit can reach first.

A plate read says where a vehicle was (the camera) and when. Its likely destination is the
external-border checkpoint it is heading for: the one ahead in its direction of travel when
the plate was read again at another camera soon after, else the nearest checkpoint by road,
unless the dispatcher names one. Along the vehicle's fastest route to it, every available unit
with a last good position gets the points it can reach before the vehicle
(:func:`pasienis.geo.interception_points`); the best proposals come first, each with both
ETAs and how they were estimated (Valhalla on road tiles, or a labelled great-circle guess).

Checkpoints are ``BorderCheckpoint`` entities read through the model (their coordinates are
``latitude``/``longitude`` statements); plate reads are the ``plate_reads`` event table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from pasienis.errors import NotFoundError
from pasienis.geo import Point, RoutePath, Router, as_point, interception_points
from pasienis.model import entity_ids_of_schema, load_entity, make_id
from pasienis.model.events import plate_reads
from pasienis.model.plates import normalise_plate
from pasienis.ops.errors import OpsError
from pasienis.ops.service import list_units

#: A later read of the same plate counts for the direction of travel within this time.
FOLLOW_UP = timedelta(hours=3)
#: At most this many proposals per unit, so that the list shows several units.
PER_UNIT = 2
#: Route geometry for the map is thinned to a vertex every this many metres.
GEOMETRY_STEP_M = 100.0
#: Id space the ingest mappings give vehicles keyed by their normalised plate.
VEHICLE_NAMESPACE = "vehicle-plate"


class UnknownPlateReadError(NotFoundError):
    """No plate read with that id, or none of that plate at or before the time given."""

    kind = "unknown-plate-read"


class PlateReadWithoutPlaceError(OpsError):
    """The read has no coordinates (its camera is not located): nowhere to start from."""

    status_code = 422
    kind = "plate-read-without-position"


class UnknownCheckpointError(NotFoundError):
    """The destination named is not a border checkpoint entity."""

    kind = "unknown-checkpoint"


class NoDestinationError(OpsError):
    """No checkpoint is known and no destination was given."""

    status_code = 409
    kind = "no-destination"


class NoUnitPositionError(OpsError):
    """No available unit has a last good position: nobody to send."""

    status_code = 409
    kind = "no-unit-position"


@dataclass(frozen=True)
class PlateRead:
    """One ANPR read: where (the camera), when, which plate."""

    id: str
    plate: str
    camera_id: str
    lat: float | None
    lon: float | None
    occurred_at: datetime
    vehicle_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {**asdict(self), "occurred_at": self.occurred_at.isoformat()}


@dataclass(frozen=True)
class Destination:
    """Where the vehicle is believed to head, and why this one (``chosen_by``)."""

    lat: float
    lon: float
    chosen_by: str  # "given" | "direction" | "nearest"
    id: str | None = None
    name: str | None = None
    code: str | None = None

    @property
    def point(self) -> Point:
        return Point(self.lat, self.lon)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _read_of(row: Any) -> PlateRead:
    return PlateRead(
        id=row.id,
        plate=row.plate,
        camera_id=row.camera_id,
        lat=row.lat,
        lon=row.lon,
        occurred_at=row.occurred_at,
        vehicle_id=row.vehicle_id,
    )


def _visible(query: Any, datasets: frozenset[str] | None) -> Any:
    """Only reads of ``datasets`` (the caller's grants); ``None``: the operator, everything."""
    return query if datasets is None else query.where(plate_reads.c.dataset.in_(sorted(datasets)))


def find_read(
    conn: Connection,
    *,
    read_id: str | None = None,
    plate: str | None = None,
    at: datetime | None = None,
    datasets: frozenset[str] | None = None,
) -> PlateRead:
    """A read by id, or the newest read of ``plate`` at or before ``at`` (newest if no ``at``).

    A read of a dataset outside ``datasets`` is answered like one that does not exist.

    Raises:
        UnknownPlateReadError: nothing matches.
        PlateReadWithoutPlaceError: the read has no coordinates.
    """
    query = select(plate_reads)
    if read_id:
        query = query.where(plate_reads.c.id == read_id)
        wanted = f"plate read {read_id!r}"
    elif plate and normalise_plate(plate):
        query = query.where(plate_reads.c.plate == normalise_plate(plate))
        if at is not None:
            query = query.where(plate_reads.c.occurred_at <= at)
        query = query.order_by(plate_reads.c.occurred_at.desc()).limit(1)
        wanted = f"read of plate {normalise_plate(plate)}" + (
            f" up to {at.isoformat()}" if at else ""
        )
    else:
        raise OpsError(
            "give a plate read id, or a plate (and optionally a time)",
            hint='POST {"read_id": ...} or {"plate": ..., "at": ...}',
        )
    row = conn.execute(_visible(query, datasets)).first()
    if row is None:
        raise UnknownPlateReadError(
            f"no {wanted}", hint="see GET /api/ops/plate-reads for the latest reads"
        )
    read = _read_of(row)
    if read.lat is None or read.lon is None:
        raise PlateReadWithoutPlaceError(
            f"plate read {read.id} (camera {read.camera_id}) has no coordinates",
            hint="load the camera positions, or give the read's lat/lon in the source",
        )
    return read


def recent_reads(
    conn: Connection,
    *,
    plate: str | None = None,
    limit: int = 20,
    datasets: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """The newest reads of ``datasets``, of one plate (normalised; a prefix matches) or of all."""
    query = _visible(select(plate_reads), datasets)
    query = query.order_by(plate_reads.c.occurred_at.desc()).limit(limit)
    if plate and normalise_plate(plate):
        query = query.where(plate_reads.c.plate.startswith(normalise_plate(plate)))
    return [_read_of(r).to_dict() for r in conn.execute(query)]


def later_read(
    conn: Connection, *, read: PlateRead, datasets: frozenset[str] | None = None
) -> PlateRead | None:
    """The plate's next located read at another camera within :data:`FOLLOW_UP`."""
    query = (
        select(plate_reads)
        .where(
            plate_reads.c.plate == read.plate,
            plate_reads.c.occurred_at > read.occurred_at,
            plate_reads.c.occurred_at <= read.occurred_at + FOLLOW_UP,
            plate_reads.c.camera_id != read.camera_id,
            plate_reads.c.lat.is_not(None),
            plate_reads.c.lon.is_not(None),
        )
        .order_by(plate_reads.c.occurred_at)
        .limit(1)
    )
    row = conn.execute(_visible(query, datasets)).first()
    return _read_of(row) if row is not None else None


def _first_number(entity: Any, prop: str) -> float | None:
    for value in entity.get(prop):
        try:
            return float(value)
        except ValueError:
            continue
    return None


def list_checkpoints(conn: Connection) -> list[Destination]:
    """Every located ``BorderCheckpoint`` entity (canonical, once), by name."""
    ids = entity_ids_of_schema(conn, "BorderCheckpoint")
    found: dict[str, Destination] = {}
    for entity_id in ids:
        entity = load_entity(conn, entity_id)
        canonical = str(entity.id)
        lat, lon = _first_number(entity, "latitude"), _first_number(entity, "longitude")
        if lat is None or lon is None or canonical in found:
            continue
        found[canonical] = Destination(
            lat=lat,
            lon=lon,
            chosen_by="nearest",
            id=canonical,
            name=entity.first("name"),
            code=entity.first("code"),
        )
    return sorted(found.values(), key=lambda d: (d.name or "", d.id or ""))


def _by_id(checkpoints: list[Destination], ref: str) -> Destination:
    for cp in checkpoints:
        if ref in {cp.id, cp.code} or (cp.name and cp.name.casefold() == ref.casefold()):
            return cp
    raise UnknownCheckpointError(
        f"no border checkpoint {ref!r}",
        hint="give a checkpoint entity id, code or name, or a {lat, lon} destination",
    )


def choose_destination(
    conn: Connection,
    router: Router,
    *,
    read: PlateRead,
    given: str | tuple[float, float] | None = None,
    datasets: frozenset[str] | None = None,
) -> tuple[Destination, PlateRead | None]:
    """The checkpoint ahead of the vehicle, and the later read that showed the way (if any).

    ``given`` (a checkpoint id/code/name, or a ``(lat, lon)``) wins. Otherwise, with a later
    read at camera B, the checkpoint for which B lies most nearly on the way from the camera
    (least detour A→B→checkpoint over A→checkpoint); without one, the nearest by road.
    """
    if isinstance(given, tuple):
        point = as_point(given)  # CoordinateError (422) for out-of-range or 0,0
        return Destination(lat=point.lat, lon=point.lon, chosen_by="given"), None
    checkpoints = list_checkpoints(conn)
    if given:
        return _with(_by_id(checkpoints, given), "given"), None
    if not checkpoints:
        raise NoDestinationError(
            "no border checkpoint is known to head for",
            hint="load the checkpoints (crossings) or give a destination",
        )
    start = Point(read.lat, read.lon)  # type: ignore[arg-type]  # find_read checked them
    targets = [cp.point for cp in checkpoints]
    nxt = later_read(conn, read=read, datasets=datasets)
    if nxt is None:
        row = router.matrix([start], targets)[0]
        best = min(range(len(checkpoints)), key=lambda i: row[i].seconds)
        return _with(checkpoints[best], "nearest"), None
    via = Point(nxt.lat, nxt.lon)  # type: ignore[arg-type]  # later_read filters nulls
    from_a, from_b = router.matrix([start, via], targets)
    a_to_b = router.eta(start, via).seconds
    detour = [a_to_b + from_b[i].seconds - from_a[i].seconds for i in range(len(targets))]
    best = min(range(len(checkpoints)), key=lambda i: (round(detour[i]), from_a[i].seconds))
    return _with(checkpoints[best], "direction"), nxt


def _with(cp: Destination, chosen_by: str) -> Destination:
    return Destination(cp.lat, cp.lon, chosen_by, cp.id, cp.name, cp.code)


def vehicle_id_of(conn: Connection, read: PlateRead) -> str | None:
    """The read's vehicle, or the vehicle entity keyed by its plate when one was imported."""
    if read.vehicle_id:
        return read.vehicle_id
    candidate = make_id(VEHICLE_NAMESPACE, read.plate)
    try:
        return str(load_entity(conn, candidate).id)
    except NotFoundError:
        return None


def route_geometry(path: RoutePath) -> list[list[float]]:
    """The vehicle route as ``[[lat, lon], ...]``, a vertex every ~100 m (ends kept)."""
    out = [path.points[0]]
    last = 0.0
    for point, along in zip(path.points[1:-1], path.along_m[1:-1], strict=True):
        if along - last >= GEOMETRY_STEP_M:
            out.append(point)
            last = along
    if len(path.points) > 1:
        out.append(path.points[-1])
    return [[round(p.lat, 6), round(p.lon, 6)] for p in out]


def _proposal(unit: dict[str, Any], cand: Any, route_method: str) -> dict[str, Any]:
    eta = cand.unit_eta
    both = "valhalla" if route_method == eta.method == "valhalla" else "great-circle"
    return {
        "unit_id": unit["id"],
        "call_sign": unit["call_sign"],
        "lat": round(cand.point.lat, 6),
        "lon": round(cand.point.lon, 6),
        "along_m": round(cand.along_m, 1),
        "unit_eta_s": round(eta.seconds, 1),
        "unit_metres": round(eta.metres, 1),
        "unit_at": cand.unit_at.isoformat(),
        "unit_method": eta.method,
        "vehicle_eta_s": round(cand.vehicle_seconds, 1),
        "vehicle_at": cand.vehicle_at.isoformat(),
        "margin_s": round(cand.margin_s, 1),
        "method": both,
        "note": eta.note,
    }


def propose(
    conn: Connection,
    router: Router,
    *,
    read: PlateRead,
    destination: Destination,
    now: datetime,
    every_m: float = 2_000.0,
    limit: int = 5,
    min_margin_s: float = 0.0,
) -> dict[str, Any]:
    """Interception proposals for every available located unit, best margin first.

    Raises:
        NoUnitPositionError: no available unit has a last good position.
    """
    located = [u for u in list_units(conn, status="available") if u["last_fix_at"] is not None]
    if not located:
        raise NoUnitPositionError(
            "no available unit has a known position",
            hint="units report positions from their phones; set a unit available",
        )
    start = Point(read.lat, read.lon)  # type: ignore[arg-type]  # find_read checked them
    path = router.route(start, destination.point)
    found: list[dict[str, Any]] = []
    for unit in located:
        points = interception_points(
            router,
            camera=start,
            destination=destination.point,
            read_at=read.occurred_at,
            unit=(unit["last_lat"], unit["last_lon"]),
            now=now,
            every_m=every_m,
            min_margin_s=min_margin_s,
            vehicle_route=path,
        )
        found.extend(_proposal(unit, c, path.eta.method) for c in points[:PER_UNIT])
    found.sort(key=lambda p: (-p["margin_s"], p["call_sign"], p["along_m"]))
    return {
        "route": {
            "geometry": route_geometry(path),
            "metres": round(path.eta.metres, 1),
            "seconds": round(path.eta.seconds, 1),
            "method": path.eta.method,
            "note": path.eta.note,
        },
        "units_considered": len(located),
        "proposals": found[:limit],
    }


def intercept(
    conn: Connection,
    router: Router,
    *,
    now: datetime,
    read_id: str | None = None,
    plate: str | None = None,
    at: datetime | None = None,
    destination: str | tuple[float, float] | None = None,
    every_m: float = 2_000.0,
    limit: int = 5,
    datasets: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The whole step: the read, its destination, the route, and the best proposals (reads
    only of ``datasets``, the caller's grants)."""
    read = find_read(conn, read_id=read_id, plate=plate, at=at, datasets=datasets)
    target, nxt = choose_destination(conn, router, read=read, given=destination, datasets=datasets)
    answer = propose(
        conn, router, read=read, destination=target, now=now, every_m=every_m, limit=limit
    )
    return {
        "read": read.to_dict(),
        "vehicle_id": vehicle_id_of(conn, read),
        "later_read": nxt.to_dict() if nxt else None,
        "destination": target.to_dict(),
        "now": now.isoformat(),
        **answer,
    }
