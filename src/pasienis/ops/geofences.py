"""Geofences (border zone, checkpoint areas, custom polygons) and enter/exit events per unit.

Polygons are stored as GeoJSON; containment comes from ``pasienis.geo`` (shapely). Each unit's
inside/outside state per fence is kept so that an event is written only on a change.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from pasienis.ops.errors import OpsError
from pasienis.ops.geolink import fence
from pasienis.ops.models import geofence_events, geofence_state, geofences

_fences: dict[str, Any] = {}


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
    _fences.pop(geofence_id, None)


def _fence_of(row: Any) -> Any:
    cached = _fences.get(row.id)
    if cached is None:
        cached = _fences[row.id] = fence(row.geometry)
    return cached


def check_geofences(
    conn: Connection, *, unit_id: str, lat: float, lon: float, at: datetime
) -> list[dict[str, Any]]:
    """Record enter/exit events for a unit's new good fix; returns the events written."""
    fences = conn.execute(select(geofences.c.id, geofences.c.name, geofences.c.geometry)).all()
    if not fences:
        return []
    states = {
        r.geofence_id: r.inside
        for r in conn.execute(
            select(geofence_state.c.geofence_id, geofence_state.c.inside).where(
                geofence_state.c.unit_id == unit_id
            )
        )
    }
    events = []
    for row in fences:
        inside = _fence_of(row).contains(lat, lon)
        before = states.get(row.id)
        if before is None:
            conn.execute(
                insert(geofence_state).values(
                    unit_id=unit_id, geofence_id=row.id, inside=inside, changed_at=at
                )
            )
        elif before != inside:
            conn.execute(
                update(geofence_state)
                .where(geofence_state.c.unit_id == unit_id, geofence_state.c.geofence_id == row.id)
                .values(inside=inside, changed_at=at)
            )
        # The first fix inside a fence counts as entering; first outside says nothing.
        if (before is None and inside) or (before is not None and before != inside):
            event = {
                "unit_id": unit_id,
                "geofence_id": row.id,
                "kind": "enter" if inside else "exit",
                "occurred_at": at,
                "lat": lat,
                "lon": lon,
            }
            conn.execute(insert(geofence_events).values(**event))
            events.append({**event, "geofence": row.name})
    return events
