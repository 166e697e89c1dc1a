"""Units, their members and their devices (with hashed per-device credentials).

Verifying an argon2 hash costs tens of milliseconds on purpose, which a phone sending a fix
every few seconds must not pay each time: after one successful verification the process
remembers a SHA-256 of that secret for the device, and compares against it in constant time.
Rotating the secret clears the memory in this process (and a new secret never matches an old
digest anyway).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, insert, or_, select, update

from pasienis.model import make_id
from pasienis.ops.errors import ConflictError, DeviceAuthError, OpsError, UnknownUnitError
from pasienis.ops.models import devices, unit_members, units
from pasienis.security.identifiers import clean_identifier, normal_identifier

UNIT_STATUSES = ("available", "busy", "off_duty")
#: Characters that would break the MQTT topics a call sign or device id becomes part of.
MQTT_RESERVED = frozenset("/+#")
_hasher = PasswordHasher()
_verified: dict[str, bytes] = {}


def _now() -> datetime:
    return datetime.now(UTC)


def add_unit(
    conn: Connection,
    *,
    call_sign: str,
    vehicle: str | None = None,
    crew: list[str] | None = None,
    skills: list[str] | None = None,
    status: str = "available",
) -> dict[str, Any]:
    """Create a unit; the call sign is unique (case-insensitive, stored upper-case)."""
    sign = clean_identifier(call_sign, what="call sign", max_length=32).upper()
    if not sign or len(sign) > 32 or set(sign) & MQTT_RESERVED:
        raise OpsError("a call sign has 1-32 characters and none of / + #")
    _check_status(status)
    if conn.execute(select(units.c.id).where(units.c.call_sign == sign)).first():
        raise ConflictError(f"unit {sign} exists already")
    now = _now()
    row = {
        "id": make_id("ops-unit", sign),
        "call_sign": sign,
        "status": status,
        "vehicle": vehicle,
        "crew": crew or [],
        "skills": sorted(set(skills or [])),
        "outbox_seq": 0,
        "created_at": now,
        "updated_at": now,
    }
    conn.execute(insert(units).values(**row))
    for member in dict.fromkeys(m.strip() for m in crew or [] if m.strip()):
        conn.execute(insert(unit_members).values(unit_id=row["id"], user_id=member))
    return get_unit(conn, ref=row["id"])


def _check_status(status: str) -> None:
    if status not in UNIT_STATUSES:
        raise OpsError(
            f"unknown unit status {status!r}", hint=f"one of: {', '.join(UNIT_STATUSES)}"
        )


def get_unit(conn: Connection, *, ref: str) -> dict[str, Any]:
    """A unit by id or call sign."""
    sign = normal_identifier(ref).upper()
    row = (
        conn.execute(select(units).where(or_(units.c.id == ref, units.c.call_sign == sign)))
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownUnitError(f"no unit {ref!r}", hint="list them with `pasienis units list`")
    return dict(row)


def list_units(conn: Connection, *, status: str | None = None) -> list[dict[str, Any]]:
    """All units, by call sign."""
    query = select(units).order_by(units.c.call_sign)
    if status:
        query = query.where(units.c.status == status)
    return [dict(r) for r in conn.execute(query).mappings()]


def set_unit_status(conn: Connection, *, unit_id: str, status: str) -> dict[str, Any]:
    """Set available / busy / off_duty."""
    _check_status(status)
    unit = get_unit(conn, ref=unit_id)
    conn.execute(
        update(units).where(units.c.id == unit["id"]).values(status=status, updated_at=_now())
    )
    return get_unit(conn, ref=unit["id"])


def add_member(conn: Connection, *, unit_id: str, user_id: str) -> None:
    """Make a user a member of a unit (a field officer then sees that unit's tasks)."""
    unit = get_unit(conn, ref=unit_id)
    exists = conn.execute(
        select(func.count())
        .select_from(unit_members)
        .where(unit_members.c.unit_id == unit["id"], unit_members.c.user_id == user_id)
    ).scalar()
    if not exists:
        conn.execute(insert(unit_members).values(unit_id=unit["id"], user_id=user_id))


def units_of_user(conn: Connection, *, user_id: str) -> list[str]:
    """Ids of the units a user belongs to."""
    rows = conn.execute(select(unit_members.c.unit_id).where(unit_members.c.user_id == user_id))
    return [r[0] for r in rows]


def add_device(
    conn: Connection, *, device_id: str, unit_ref: str, label: str | None = None
) -> tuple[dict[str, Any], str]:
    """Register a device for a unit; returns the row and its secret (shown once, stored hashed)."""
    device_id = device_id.strip()
    if not device_id or len(device_id) > 64 or set(device_id) & MQTT_RESERVED:
        raise OpsError("a device id has 1-64 characters and none of / + #")
    unit = get_unit(conn, ref=unit_ref)
    if conn.execute(select(devices.c.id).where(devices.c.id == device_id)).first():
        raise ConflictError(
            f"device {device_id} exists already", hint="use `devices rotate` instead"
        )
    secret = secrets.token_urlsafe(18)
    conn.execute(
        insert(devices).values(
            id=device_id,
            unit_id=unit["id"],
            secret_hash=_hasher.hash(secret),
            label=label,
            active=True,
            created_at=_now(),
        )
    )
    return get_device(conn, device_id=device_id), secret


def rotate_secret(conn: Connection, *, device_id: str) -> str:
    """Give a device a new secret; the old one stops working at once."""
    get_device(conn, device_id=device_id)
    secret = secrets.token_urlsafe(18)
    conn.execute(
        update(devices).where(devices.c.id == device_id).values(secret_hash=_hasher.hash(secret))
    )
    _verified.pop(device_id, None)
    return secret


def get_device(conn: Connection, *, device_id: str) -> dict[str, Any]:
    row = conn.execute(select(devices).where(devices.c.id == device_id)).mappings().first()
    if row is None:
        raise UnknownUnitError(f"no device {device_id!r}")
    return dict(row)


def list_devices(conn: Connection) -> list[dict[str, Any]]:
    query = select(devices, units.c.call_sign).join(units, units.c.id == devices.c.unit_id)
    return [dict(r) for r in conn.execute(query.order_by(devices.c.id)).mappings()]


def authenticate_device(conn: Connection, *, device_id: str, secret: str | None) -> dict[str, Any]:
    """The active device whose secret matches, or :class:`DeviceAuthError` (nothing stored)."""
    row = (
        conn.execute(select(devices).where(devices.c.id == (device_id or "").strip()))
        .mappings()
        .first()
    )
    if row is None or not row["active"] or not secret:
        raise DeviceAuthError(f"unknown or inactive device {device_id!r}, or no secret")
    digest = hashlib.sha256(secret.encode()).digest()
    known = _verified.get(row["id"])
    if known is not None and hmac.compare_digest(known, digest):
        return dict(row)
    try:
        _hasher.verify(row["secret_hash"], secret)
    except (VerificationError, InvalidHashError) as exc:
        raise DeviceAuthError(f"wrong secret for device {device_id!r}") from exc
    _verified[row["id"]] = digest
    return dict(row)


def device_setup(*, base_url: str, device_id: str, secret: str, call_sign: str) -> dict[str, str]:
    """What to type into Traccar Client, OwnTracks and the field app for this device."""
    base = base_url.rstrip("/")
    host = base.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return {
        "device_id": device_id,
        "secret": secret,
        "traccar_server_url": f"{base}/api/positions/osmand/{secret}",
        "traccar_device_identifier": device_id,
        "traccar_json_url": f"{base}/api/positions/osmand/{secret}",
        "owntracks_http_url": f"{base}/api/positions/owntracks",
        "owntracks_http_user": device_id,
        "owntracks_http_password": secret,
        "owntracks_mqtt_host": host,
        "owntracks_mqtt_topic": f"owntracks/{device_id}/{call_sign.lower()}",
        "owntracks_mqtt_user": device_id,
        "generic_json_url": f"{base}/api/positions",
        "field_app_websocket": f"{base.replace('http', 'ws', 1)}/api/ops/ws/unit",
    }
