"""Units, their members and their devices (with hashed per-device credentials).

Device secrets are 256 random bits stored as SHA-256 (:mod:`pasienis.ops.device_auth`).
Every rotation and every (de)activation raises the device's ``credential_generation``, which
is read with the device on each authentication: whatever a process has cached about a
credential is keyed on the generation, so a change made by any process (the admin API, the
CLI) takes effect in every server process at once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from pasienis.model import make_id
from pasienis.ops import device_auth
from pasienis.ops.errors import ConflictError, OpsError, UnknownUnitError
from pasienis.ops.models import devices, unit_members, units
from pasienis.security.identifiers import clean_identifier, normal_identifier

UNIT_STATUSES = ("available", "busy", "off_duty")
#: Characters that would break the MQTT topics a call sign or device id becomes part of.
MQTT_RESERVED = frozenset("/+#")
# A secret chosen by the caller (not generated) must be at least this long.
MIN_GIVEN_SECRET = 12
_log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from pasienis.store import Store


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
    conn: Connection,
    *,
    device_id: str,
    unit_ref: str,
    label: str | None = None,
    secret: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Register a device for a unit; returns the row and its secret (shown once, stored hashed).

    ``secret`` keeps a secret the device already has (a fleet moved from another server, a
    load generator's scripted clients); by default a fresh random one is made. A given secret
    must be long: device secrets are stored as a fast hash, safe only for long secrets.
    """
    device_id = device_id.strip()
    if not device_id or len(device_id) > 64 or set(device_id) & MQTT_RESERVED:
        raise OpsError("a device id has 1-64 characters and none of / + #")
    if secret is not None and len(secret) < MIN_GIVEN_SECRET:
        raise OpsError(f"a device secret has at least {MIN_GIVEN_SECRET} characters")
    unit = get_unit(conn, ref=unit_ref)
    if conn.execute(select(devices.c.id).where(devices.c.id == device_id)).first():
        raise ConflictError(
            f"device {device_id} exists already", hint="use `devices rotate` instead"
        )
    if secret is None:
        secret, stored = device_auth.new_secret()
    else:
        stored = device_auth.stored_hash(secret)
    conn.execute(
        insert(devices).values(
            id=device_id,
            unit_id=unit["id"],
            secret_hash=stored,
            label=label,
            active=True,
            credential_generation=1,
            created_at=_now(),
        )
    )
    return get_device(conn, device_id=device_id), secret


def rotate_secret(conn: Connection, *, device_id: str) -> str:
    """Give a device a new secret; the old one stops working at once, in every process."""
    get_device(conn, device_id=device_id)
    secret, stored = device_auth.new_secret()
    conn.execute(
        update(devices)
        .where(devices.c.id == device_id)
        .values(
            secret_hash=stored,
            credential_generation=devices.c.credential_generation + 1,
        )
    )
    return secret


def set_device_active(conn: Connection, *, device_id: str, active: bool) -> dict[str, Any]:
    """Deactivate (or reactivate) a device; either raises its credential generation."""
    get_device(conn, device_id=device_id)
    conn.execute(
        update(devices)
        .where(devices.c.id == device_id)
        .values(active=active, credential_generation=devices.c.credential_generation + 1)
    )
    return get_device(conn, device_id=device_id)


def device_generation(conn: Connection, *, device_id: str) -> int | None:
    """The credential generation of an active device, ``None`` when inactive or gone.

    One primary-key read: what a long-lived connection re-checks to notice a rotation or
    deactivation made by another process.
    """
    row = conn.execute(
        select(devices.c.active, devices.c.credential_generation).where(devices.c.id == device_id)
    ).first()
    return int(row.credential_generation) if row is not None and row.active else None


def get_device(conn: Connection, *, device_id: str) -> dict[str, Any]:
    row = conn.execute(select(devices).where(devices.c.id == device_id)).mappings().first()
    if row is None:
        raise UnknownUnitError(f"no device {device_id!r}")
    return dict(row)


def list_devices(conn: Connection) -> list[dict[str, Any]]:
    query = select(devices, units.c.call_sign).join(units, units.c.id == devices.c.unit_id)
    return [dict(r) for r in conn.execute(query.order_by(devices.c.id)).mappings()]


def authenticate_device(conn: Connection, *, device_id: object, secret: object) -> dict[str, Any]:
    """The active device whose secret matches, or :class:`DeviceAuthError` (nothing stored).

    Unknown device, inactive device and wrong secret get the same answer.
    """
    key = device_id.strip() if isinstance(device_id, str) else ""
    row = None
    if 0 < len(key) <= 64:
        row = conn.execute(select(devices).where(devices.c.id == key)).mappings().first()
    device_auth.check(row, secret)
    return dict(row or {})


def device_of_secret(store: Store, *, secret: object) -> dict[str, Any] | None:
    """The active device whose (SHA-256) secret this is, or ``None``.

    For requests that carry the secret before the device id (the Traccar URL): the request is
    authenticated without reading its body. Legacy argon2 secrets cannot be found this way
    (their hash is salted); ``None`` then means "read the id from the body".
    """
    if not isinstance(secret, str) or not 0 < len(secret) <= 512:
        return None
    with store.read() as conn:
        row = (
            conn.execute(
                select(devices).where(devices.c.secret_hash == device_auth.stored_hash(secret))
            )
            .mappings()
            .first()
        )
    if row is None or not row["active"]:
        return None
    return dict(row)


def verify_device(store: Store, *, device_id: object, secret: object) -> dict[str, Any]:
    """:func:`authenticate_device`, then replace a legacy argon2 hash by the SHA-256 form.

    The upgrade keeps the generation (the secret did not change) and only applies if the row
    still holds the hash that was verified, so it never undoes a concurrent rotation.
    """
    with store.read() as conn:
        device = authenticate_device(conn, device_id=device_id, secret=secret)
    if device_auth.is_legacy(device["secret_hash"]) and isinstance(secret, str):
        new = device_auth.stored_hash(secret)
        try:
            with store.begin() as conn:
                conn.execute(
                    update(devices)
                    .where(
                        devices.c.id == device["id"], devices.c.secret_hash == device["secret_hash"]
                    )
                    .values(secret_hash=new)
                )
        except SQLAlchemyError as exc:  # the device is authenticated; upgrade on a later fix
            _log.warning("could not upgrade the secret hash of device %s: %s", device["id"], exc)
        else:
            device["secret_hash"] = new
    return device


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
