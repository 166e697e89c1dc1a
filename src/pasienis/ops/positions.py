"""Position ingest: authenticate the device, flag the fix, store it, update the unit.

Every protocol ends here as a :class:`~pasienis.ops.fixes.Fix`. A fix from an unknown device
or with a wrong secret is refused before anything is written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, select

from pasienis.ops.delivery.hub import Hub
from pasienis.ops.fixes import Fix
from pasienis.ops.models import positions
from pasienis.ops.position_batch import Pending, store_fixes
from pasienis.ops.quality import FixRules
from pasienis.ops.service import verify_device
from pasienis.store import Store


def store_fix(
    conn: Connection, *, fix: Fix, device: dict[str, Any], rules: FixRules, now: datetime
) -> dict[str, Any]:
    """Flag and store one fix of an authenticated device (inside the caller's transaction):
    a batch of one (:func:`pasienis.ops.position_batch.store_fixes`)."""
    item = Pending(fix=fix, device=device, want_id=True)
    store_fixes(conn, [item], rules=rules, now=now)
    if item.error is not None:
        raise item.error
    if item.result is None:  # store_fixes sets one of the two
        raise RuntimeError("store_fixes left a fix without result or error")
    return item.result


def accept_fix(
    store: Store,
    *,
    fix: Fix,
    secret: str | None,
    rules: FixRules,
    hub: Hub | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Authenticate ``fix.device_id`` with ``secret``, store the fix, tell the dispatchers.

    Raises:
        DeviceAuthError: unknown/inactive device or wrong secret (nothing is stored).
    """
    device = verify_device(store, device_id=fix.device_id, secret=secret)
    return accept_authenticated(store, fix=fix, device=device, rules=rules, hub=hub, now=now)


def accept_authenticated(
    store: Store,
    *,
    fix: Fix,
    device: dict[str, Any],
    rules: FixRules,
    hub: Hub | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Store a fix of a device already authenticated (by the broker, for MQTT)."""
    with store.begin() as conn:
        stored = store_fix(conn, fix=fix, device=device, rules=rules, now=now or datetime.now(UTC))
    if hub is not None:
        announce(hub, stored)
    return stored


def announce(hub: Hub, stored: dict[str, Any]) -> None:
    """Live events for dispatchers: the position, an SOS alarm, geofence crossings."""
    hub.publish_many(live_events(stored))


def live_events(stored: dict[str, Any]) -> list[dict[str, Any]]:
    """What dispatchers are told about one stored fix."""
    base = {
        "unit_id": stored["unit_id"],
        "call_sign": stored["call_sign"],
        "lat": stored["lat"],
        "lon": stored["lon"],
        "at": stored["fixed_at"].isoformat(),
    }
    events = [
        {
            "type": "position",
            **base,
            "flags": stored["flags"],
            "speed_mps": stored["speed_mps"],
            "heading_deg": stored["heading_deg"],
            "battery_pct": stored["battery_pct"],
        }
    ]
    if stored["alarm"]:
        events.append(
            {"type": "alarm", "alarm": stored["alarm"], **base, "device_id": stored["device_id"]}
        )
    events.extend(
        {
            "type": "geofence",
            **base,
            "kind": event["kind"],
            "geofence_id": event["geofence_id"],
            "geofence": event["geofence"],
        }
        for event in stored["geofence_events"]
    )
    return events


def track(
    conn: Connection,
    *,
    unit_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    good_only: bool = False,
    limit: int = 10_000,
) -> list[dict[str, Any]]:
    """A unit's positions in fix-time order."""
    query = select(positions).where(positions.c.unit_id == unit_id)
    if since:
        query = query.where(positions.c.fixed_at >= since)
    if until:
        query = query.where(positions.c.fixed_at <= until)
    if good_only:
        query = query.where(positions.c.flags == "")
    query = query.order_by(positions.c.fixed_at, positions.c.id).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def count_positions(conn: Connection, *, unit_id: str | None = None) -> int:
    query = select(func.count()).select_from(positions)
    if unit_id:
        query = query.where(positions.c.unit_id == unit_id)
    return int(conn.execute(query).scalar() or 0)


def purge_positions(conn: Connection, *, older_than_days: int, now: datetime | None = None) -> int:
    """Delete positions received before the retention window; returns how many."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    return int(conn.execute(delete(positions).where(positions.c.received_at < cutoff)).rowcount)
