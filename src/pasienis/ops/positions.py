"""Position ingest: authenticate the device, flag the fix, store it, update the unit.

Every protocol ends here as a :class:`~pasienis.ops.fixes.Fix`. A fix from an unknown device
or with a wrong secret is refused before anything is written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from pasienis.ops.delivery.hub import Hub
from pasienis.ops.fixes import Fix
from pasienis.ops.geofences import check_geofences
from pasienis.ops.models import devices, positions, units
from pasienis.ops.quality import FUTURE, FixRules, LastGood, assess, is_future
from pasienis.ops.service import verify_device
from pasienis.store import Store


def store_fix(
    conn: Connection, *, fix: Fix, device: dict[str, Any], rules: FixRules, now: datetime
) -> dict[str, Any]:
    """Flag and store one fix of an authenticated device (inside the caller's transaction)."""
    unit = conn.execute(select(units).where(units.c.id == device["unit_id"])).mappings().one()
    last_fix_at = conn.execute(
        select(devices.c.last_fix_at).where(devices.c.id == device["id"])
    ).scalar()
    fixed_at = fix.fixed_at or now
    last_good = (
        LastGood(unit["last_lat"], unit["last_lon"], unit["last_fix_at"])
        if unit["last_fix_at"] is not None
        else None
    )
    clock = ordering_clock(last_fix_at, unit["last_fix_at"], now=now, rules=rules)
    flags = assess(
        fix,
        fixed_at=fixed_at,
        now=now,
        device_last_fix_at=clock,
        last_good=last_good,
        rules=rules,
    )
    row = {
        "unit_id": unit["id"],
        "device_id": device["id"],
        "fixed_at": fixed_at,
        "received_at": now,
        "lat": fix.lat,
        "lon": fix.lon,
        "accuracy_m": fix.accuracy_m,
        "speed_mps": fix.speed_mps,
        "heading_deg": fix.heading_deg,
        "altitude_m": fix.altitude_m,
        "battery_pct": fix.battery_pct,
        "charging": fix.charging,
        "source": fix.source,
        "flags": ",".join(flags),
        "attributes": fix.attributes or None,
    }
    position_id = int(conn.execute(insert(positions).values(**row)).inserted_primary_key[0])  # type: ignore[index]
    # A fix from the future never moves the clock: one bad timestamp (year 9999) would make
    # every later real fix "out of order" for good.
    trusted_time = FUTURE not in flags
    newest = fixed_at if trusted_time and (clock is None or fixed_at > clock) else clock
    conn.execute(
        update(devices)
        .where(devices.c.id == device["id"])
        .values(last_fix_at=newest, last_seen_at=now)
    )
    fence_events: list[dict[str, Any]] = []
    if not flags:
        conn.execute(
            update(units)
            .where(units.c.id == unit["id"])
            .values(
                last_lat=fix.lat,
                last_lon=fix.lon,
                last_fix_at=fixed_at,
                last_speed_mps=fix.speed_mps,
            )
        )
        fence_events = check_geofences(
            conn, unit_id=unit["id"], lat=fix.lat, lon=fix.lon, at=fixed_at
        )
    return {
        **row,
        "id": position_id,
        "call_sign": unit["call_sign"],
        "flags": flags,
        "alarm": fix.alarm,
        "geofence_events": fence_events,
    }


def ordering_clock(
    device_clock: datetime | None, last_good_at: datetime | None, *, now: datetime, rules: FixRules
) -> datetime | None:
    """The time new fixes of a device are ordered against: its newest fix not in the future.

    A clock stored before future fixes were kept out of it (it may say 9999) is not trusted;
    the unit's last good fix stands in for it.
    """
    if device_clock is None or not is_future(device_clock, now=now, rules=rules):
        return device_clock
    return last_good_at


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
    base = {
        "unit_id": stored["unit_id"],
        "call_sign": stored["call_sign"],
        "lat": stored["lat"],
        "lon": stored["lon"],
        "at": stored["fixed_at"].isoformat(),
    }
    hub.publish(
        {
            "type": "position",
            **base,
            "flags": stored["flags"],
            "speed_mps": stored["speed_mps"],
            "heading_deg": stored["heading_deg"],
            "battery_pct": stored["battery_pct"],
        }
    )
    if stored["alarm"]:
        hub.publish(
            {"type": "alarm", "alarm": stored["alarm"], **base, "device_id": stored["device_id"]}
        )
    for event in stored["geofence_events"]:
        hub.publish(
            {
                "type": "geofence",
                **base,
                "kind": event["kind"],
                "geofence_id": event["geofence_id"],
                "geofence": event["geofence"],
            }
        )


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
