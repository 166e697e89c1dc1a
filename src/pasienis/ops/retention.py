"""The ops tables under retention: unit positions and geofence crossings (crew movements).

Handed to the retention registry by the app and CLI set-up (:func:`retention_erasers`); the
positions keep ``PASIENIS_OPS_POSITION_RETENTION_DAYS`` as their default period, which an
administrator's policy for the table ``ops_positions`` replaces.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Connection, Table, delete, func, select

from pasienis.config import Settings
from pasienis.ops.models import geofence_events, positions
from pasienis.security.retention import TableEraser


def _by_time(table: Table, column: Column, description: str, days: int | None) -> TableEraser:
    def count(conn: Connection, cutoff: datetime) -> int:
        query = select(func.count()).select_from(table).where(column < cutoff)
        return int(conn.execute(query).scalar() or 0)

    def erase(conn: Connection, cutoff: datetime) -> int:
        return int(conn.execute(delete(table).where(column < cutoff)).rowcount)

    return TableEraser(table.name, description, count, erase, default_days=days)


def retention_erasers(settings: Settings) -> list[TableEraser]:
    """Positions (by the time they were received, as ``units purge-positions`` does) and
    geofence crossings (by when they happened)."""
    return [
        _by_time(
            positions,
            positions.c.received_at,
            "unit positions (crew tracks)",
            settings.ops_position_retention_days,
        ),
        _by_time(
            geofence_events,
            geofence_events.c.occurred_at,
            "geofence entries and exits of units",
            settings.ops_position_retention_days,
        ),
    ]
