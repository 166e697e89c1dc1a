"""Geofences (border zone, checkpoint areas, custom polygons) and enter/exit events per unit.

Polygons are stored as GeoJSON, parsed and validated by ``pasienis.geo`` (shapely) and kept
in an STRtree. A unit's state per fence is kept so that an event is written only on a change.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import shapely
from sqlalchemy import Connection, delete, insert, select, update

from pasienis.ops.errors import OpsError
from pasienis.ops.geolink import fence
from pasienis.ops.models import geofence_events, geofence_state, geofences


def add_geofence(
    conn: Connection, *, name: str, kind: str, geometry: dict[str, Any]
) -> dict[str, Any]:
    """Store a polygon (validated by parsing it once)."""
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise OpsError("a geofence is a GeoJSON Polygon or MultiPolygon")
    try:
        fence(geometry)
    except Exception as exc:
        raise OpsError(f"bad geofence geometry: {exc}") from exc
    row = {
        "id": uuid.uuid4().hex,
        "name": name,
        "kind": kind,
        "geometry": geometry,
        "created_at": datetime.now(UTC),
    }
    conn.execute(insert(geofences).values(**row))
    return row


def list_geofences(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(geofences).order_by(geofences.c.name)).mappings()]


def delete_geofence(conn: Connection, *, geofence_id: str) -> None:
    conn.execute(delete(geofence_state).where(geofence_state.c.geofence_id == geofence_id))
    conn.execute(delete(geofences).where(geofences.c.id == geofence_id))


@dataclass(frozen=True)
class FenceIndex:
    """All geofences in an R-tree (shapely's STRtree): a fix is tested only against the
    fences whose bounding box holds it, not against every polygon."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    tree: shapely.STRtree | None

    def containing(self, lat: float, lon: float) -> set[str]:
        """Ids of the fences that cover the point (inside or on the edge)."""
        if self.tree is None:
            return set()
        hits = self.tree.query(shapely.Point(lon, lat), predicate="covered_by")
        return {self.ids[int(i)] for i in hits}

    def name(self, fence_id: str) -> str:
        return self.names[self.ids.index(fence_id)]


_FENCE_IDS = select(geofences.c.id)


class FenceIndexCache:
    """The index of the current fences, rebuilt only when the set of fence ids changes.

    Fences are never edited in place (add and delete only), so the ids are a complete
    version; one ``SELECT id`` per batch notices a change made by any process.
    """

    def __init__(self) -> None:
        self._index = FenceIndex((), (), None)
        self._lock = threading.Lock()

    def current(self, conn: Connection) -> FenceIndex:
        ids = tuple(sorted(r[0] for r in conn.execute(_FENCE_IDS)))
        with self._lock:
            if ids == self._index.ids:
                return self._index
        rows = conn.execute(
            select(geofences.c.id, geofences.c.name, geofences.c.geometry).order_by(geofences.c.id)
        ).all()
        shapes = [fence(r.geometry).geometry for r in rows]
        index = FenceIndex(
            tuple(r.id for r in rows),
            tuple(r.name for r in rows),
            shapely.STRtree(shapes) if shapes else None,
        )
        with self._lock:
            self._index = index
        return index


@dataclass
class FenceFix:
    """One good fix to test: which unit, where, when."""

    unit_id: str
    lat: float
    lon: float
    at: datetime
    events: list[dict[str, Any]]


def check_geofences_batch(conn: Connection, index: FenceIndex, fixes: list[FenceFix]) -> None:
    """Enter/exit events for good fixes (in order), filling each ``FenceFix.events``.

    A unit with no state row for a fence is outside it: only "inside" ever needs a row, so a
    fix costs an R-tree query plus a write on a change, however many fences there are.
    """
    if index.tree is None or not fixes:
        return
    unit_ids = sorted({f.unit_id for f in fixes})
    rows = conn.execute(select(geofence_state).where(geofence_state.c.unit_id.in_(unit_ids)))
    known: set[tuple[str, str]] = set()
    inside_of: dict[str, set[str]] = {u: set() for u in unit_ids}
    live = set(index.ids)
    for r in rows:
        known.add((r.unit_id, r.geofence_id))
        if r.inside and r.geofence_id in live:
            inside_of[r.unit_id].add(r.geofence_id)
    changed: dict[tuple[str, str], tuple[bool, datetime]] = {}
    events: list[dict[str, Any]] = []
    for fix in fixes:
        now_inside = index.containing(fix.lat, fix.lon)
        for geofence_id in sorted(now_inside ^ inside_of[fix.unit_id]):
            inside = geofence_id in now_inside
            changed[(fix.unit_id, geofence_id)] = (inside, fix.at)
            event = {
                "unit_id": fix.unit_id,
                "geofence_id": geofence_id,
                "kind": "enter" if inside else "exit",
                "occurred_at": fix.at,
                "lat": fix.lat,
                "lon": fix.lon,
            }
            events.append(event)
            fix.events.append({**event, "geofence": index.name(geofence_id)})
        inside_of[fix.unit_id] = now_inside
    _write_states(conn, changed, known)
    if events:
        conn.execute(insert(geofence_events), events)


def _write_states(
    conn: Connection, changed: dict[tuple[str, str], tuple[bool, datetime]], known: set[Any]
) -> None:
    fresh = [
        {"unit_id": u, "geofence_id": g, "inside": inside, "changed_at": at}
        for (u, g), (inside, at) in changed.items()
        if (u, g) not in known
    ]
    if fresh:
        conn.execute(insert(geofence_state), fresh)
    for (u, g), (inside, at) in changed.items():
        if (u, g) in known:
            conn.execute(
                update(geofence_state)
                .where(geofence_state.c.unit_id == u, geofence_state.c.geofence_id == g)
                .values(inside=inside, changed_at=at)
            )
