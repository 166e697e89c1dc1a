"""Store many fixes in one transaction: the one definition of what storing a fix means.

A single fix (the CLI, tests, the demo) is a batch of one. The group-commit writer
(:mod:`pasienis.ops.position_writer`) hands over every fix that arrived while the previous
batch was committing. Per batch: one read of the devices and of the units involved, one
multi-row insert of the positions, one update per device and per unit (the unit's last good
position once, with the newest good fix), and the geofence tests against the R-tree.

Fixes of one device inside a batch are assessed in arrival order against the state the
fixes before them left, so a batch gives the same flags as the same fixes stored one by one.
The device row read here is also the last word on its credential: a fix authenticated from a
cache whose credential generation is no longer the stored one is refused, in the same
transaction that would have stored it — a rotation in any process takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from pasienis.ops.device_auth import REFUSED
from pasienis.ops.errors import DeviceAuthError
from pasienis.ops.fixes import Fix
from pasienis.ops.geofences import FenceFix, FenceIndexCache, check_geofences_batch
from pasienis.ops.models import devices, positions, units
from pasienis.ops.quality import FUTURE, FixRules, LastGood, assess, is_future

# Built once: a statement made per batch costs more to construct and key for SQLAlchemy's
# compiled cache than SQLite takes to run it (a batch of four fixes spent ~80% of its CPU in
# SQLAlchemy when each batch built its own ``select(...).where(... .in_(ids))``).
_DEVICES = select(
    devices.c.id,
    devices.c.unit_id,
    devices.c.active,
    devices.c.credential_generation,
    devices.c.last_fix_at,
).where(devices.c.id.in_(bindparam("ids", expanding=True)))
_UNITS = select(
    units.c.id,
    units.c.call_sign,
    units.c.last_lat,
    units.c.last_lon,
    units.c.last_fix_at,
).where(units.c.id.in_(bindparam("ids", expanding=True)))
_INSERT = insert(positions)
_INSERT_RETURNING = insert(positions).returning(positions.c.id)
_DEVICE_CLOCKS = (
    update(devices)
    .where(devices.c.id == bindparam("b_id"))
    .values(last_fix_at=bindparam("b_clock"), last_seen_at=bindparam("b_seen"))
)
_UNIT_LAST = (
    update(units)
    .where(units.c.id == bindparam("b_id"))
    .values(
        last_lat=bindparam("b_lat"),
        last_lon=bindparam("b_lon"),
        last_fix_at=bindparam("b_at"),
        last_speed_mps=bindparam("b_speed"),
    )
)


@dataclass
class Pending:
    """One fix waiting to be stored, and what the writer answers its request with."""

    fix: Fix
    device: dict[str, Any]
    #: Whether the caller needs the new row's id (our JSON endpoint answers with it).
    want_id: bool = False
    result: dict[str, Any] | None = None
    error: Exception | None = None


@dataclass
class _UnitState:
    call_sign: str
    last_good: LastGood | None
    best: dict[str, Any] | None = None  # the newest good fix of this batch


@dataclass
class _Batch:
    devices: dict[str, Any]
    units: dict[str, _UnitState]
    clocks: dict[str, datetime | None] = field(default_factory=dict)
    stored: set[str] = field(default_factory=set)  # devices with a fix in this batch


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


def store_fixes(
    conn: Connection,
    items: list[Pending],
    *,
    rules: FixRules,
    now: datetime,
    fences: FenceIndexCache | None = None,
) -> None:
    """Flag and store the fixes of authenticated devices (inside the caller's transaction).

    Sets ``result`` (the stored row, as announced to dispatchers) or ``error`` (a
    :class:`DeviceAuthError` when the device was deactivated or its secret rotated since it
    was authenticated) on each item.
    """
    batch = _load(conn, items, now=now, rules=rules)
    rows: list[dict[str, Any]] = []
    kept: list[Pending] = []
    for item in items:
        row = _assess(batch, item, now=now, rules=rules)
        if row is not None:
            rows.append(row)
            kept.append(item)
    if not rows:
        return
    ids = _insert(conn, kept, rows)
    fence_fixes: list[FenceFix] = []
    for item, row, position_id in zip(kept, rows, ids, strict=True):
        flags = row["flags"].split(",") if row["flags"] else []
        item.result = {
            **row,
            "id": position_id,
            "call_sign": batch.units[row["unit_id"]].call_sign,
            "flags": flags,
            "alarm": item.fix.alarm,
            "geofence_events": [],
        }
        if not flags:
            events = item.result["geofence_events"]
            fence_fixes.append(
                FenceFix(row["unit_id"], row["lat"], row["lon"], row["fixed_at"], events)
            )
    _write_devices(conn, batch, now=now)
    _write_units(conn, batch)
    if fence_fixes:
        check_geofences_batch(conn, (fences or FenceIndexCache()).current(conn), fence_fixes)


def _insert(conn: Connection, kept: list[Pending], rows: list[dict[str, Any]]) -> list[int | None]:
    """Insert the rows; the new id only where it was asked for.

    A plain executemany is one C loop; ``RETURNING`` in parameter order makes SQLAlchemy
    insert row by row on SQLite, several times the cost, so only rows that need their id
    (none from Traccar or OwnTracks) pay for it.
    """
    ids: list[int | None] = [None] * len(rows)
    plain = [row for item, row in zip(kept, rows, strict=True) if not item.want_id]
    if plain:
        conn.execute(_INSERT, plain)
    for n, (item, row) in enumerate(zip(kept, rows, strict=True)):
        if item.want_id:
            ids[n] = int(conn.execute(_INSERT_RETURNING, row).scalar_one())
    return ids


def _load(conn: Connection, items: list[Pending], *, now: datetime, rules: FixRules) -> _Batch:
    device_ids = sorted({str(i.device["id"]) for i in items})
    device_rows = {r["id"]: dict(r) for r in conn.execute(_DEVICES, {"ids": device_ids}).mappings()}
    unit_ids = sorted({r["unit_id"] for r in device_rows.values()})
    unit_states = {
        r.id: _UnitState(
            r.call_sign,
            LastGood(r.last_lat, r.last_lon, r.last_fix_at) if r.last_fix_at is not None else None,
        )
        for r in conn.execute(_UNITS, {"ids": unit_ids})
    }
    batch = _Batch(devices=device_rows, units=unit_states)
    for device_id, row in device_rows.items():
        unit = unit_states.get(row["unit_id"])
        last_good_at = unit.last_good.at if unit and unit.last_good else None
        batch.clocks[device_id] = ordering_clock(
            row["last_fix_at"], last_good_at, now=now, rules=rules
        )
    return batch


def _still_valid(row: dict[str, Any] | None, device: dict[str, Any]) -> bool:
    if row is None or not row["active"]:
        return False
    expected = device.get("credential_generation")
    return expected is None or int(expected) == int(row["credential_generation"])


def _assess(
    batch: _Batch, item: Pending, *, now: datetime, rules: FixRules
) -> dict[str, Any] | None:
    """The row of one fix, with the batch state moved on past it (``None``: refused)."""
    device_id = str(item.device["id"])
    row = batch.devices.get(device_id)
    if not _still_valid(row, item.device) or row is None or row["unit_id"] not in batch.units:
        item.error = DeviceAuthError(REFUSED)
        return None
    fix, unit = item.fix, batch.units[row["unit_id"]]
    batch.stored.add(device_id)
    fixed_at = fix.fixed_at or now
    clock = batch.clocks.get(device_id)
    flags = assess(
        fix,
        fixed_at=fixed_at,
        now=now,
        device_last_fix_at=clock,
        last_good=unit.last_good,
        rules=rules,
    )
    # A fix from the future never moves the clock: one bad timestamp (year 9999) would make
    # every later real fix "out of order" for good.
    if FUTURE not in flags and (clock is None or fixed_at > clock):
        batch.clocks[device_id] = fixed_at
    record = {
        "unit_id": row["unit_id"],
        "device_id": device_id,
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
    if not flags:
        unit.last_good = LastGood(fix.lat, fix.lon, fixed_at)
        unit.best = record
    return record


def _write_devices(conn: Connection, batch: _Batch, *, now: datetime) -> None:
    params = [
        {"b_id": device_id, "b_clock": clock, "b_seen": now}
        for device_id, clock in batch.clocks.items()
        if device_id in batch.stored
    ]
    if params:
        conn.execute(_DEVICE_CLOCKS, params)


def _write_units(conn: Connection, batch: _Batch) -> None:
    params = [
        {
            "b_id": unit_id,
            "b_lat": state.best["lat"],
            "b_lon": state.best["lon"],
            "b_at": state.best["fixed_at"],
            "b_speed": state.best["speed_mps"],
        }
        for unit_id, state in batch.units.items()
        if state.best is not None
    ]
    if params:
        conn.execute(_UNIT_LAST, params)
