"""One-time pairing links: a phone gets its device credentials by opening a link (or a QR code).

An administrator (or ``pasienis devices add``) issues a pairing token together with a fresh
device secret. The token is random (256 bits), short-lived, single use and stored only as its
SHA-256; the device secret rides in the row *sealed* with a key derived from the token
(AES-GCM from ``cryptography``), so the store never holds a usable secret: only whoever has the
link can open it, once. Redeeming marks the row used in one conditional ``UPDATE`` (two phones
racing for the same link: exactly one wins) and checks that the sealed secret is still the
device's current one (a later rotation makes an unused link worthless).

The link carries the token in the URL *fragment* (``/web/field/#pair=...``), which browsers do
not send to servers, proxies or in ``Referer`` headers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Connection, Index, LargeBinary, String, Table, insert, select, update

from pasienis.ops import device_auth
from pasienis.ops.errors import OpsError
from pasienis.ops.models import devices
from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

TOKEN_PREFIX = "ppt_"  # noqa: S105 - a public prefix for secret scanners, not a secret
DEFAULT_TTL_MINUTES = 15
MAX_TTL_MINUTES = 24 * 60

pairings = Table(
    "ops_device_pairings",
    metadata,
    Column("id", String(64), primary_key=True, comment="SHA-256 of the pairing token"),
    Column("device_id", String(64), nullable=False),
    Column("sealed_secret", LargeBinary, nullable=True, comment="nonce + AES-GCM; wiped on use"),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("used_by", String(200), nullable=True),
    Index("ix_ops_device_pairings_device_id", "device_id"),
)


class PairingError(OpsError):
    """A pairing link that is unknown, expired, used or superseded (one answer for all)."""

    status_code = 410
    kind = "pairing-refused"


REFUSED = "this pairing link is unknown, expired, already used or replaced by a newer one"


def _now() -> datetime:
    return datetime.now(UTC)


def _key(token: str) -> bytes:
    return hashlib.sha256(b"pasienis-pairing-seal\x00" + token.encode()).digest()


def token_id(token: str) -> str:
    """What the store keeps of a pairing token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    conn: Connection,
    *,
    device_id: str,
    secret: str,
    created_by: str,
    ttl_minutes: int = DEFAULT_TTL_MINUTES,
) -> tuple[str, datetime]:
    """A pairing token for ``device_id`` that yields ``secret`` once; returns it and its expiry."""
    if not 1 <= ttl_minutes <= MAX_TTL_MINUTES:
        raise OpsError(f"a pairing link lives 1-{MAX_TTL_MINUTES} minutes, not {ttl_minutes}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    nonce = secrets.token_bytes(12)
    sealed = nonce + AESGCM(_key(token)).encrypt(nonce, secret.encode(), device_id.encode())
    now = _now()
    expires = now + timedelta(minutes=ttl_minutes)
    conn.execute(
        insert(pairings).values(
            id=token_id(token),
            device_id=device_id,
            sealed_secret=sealed,
            created_by=created_by,
            created_at=now,
            expires_at=expires,
            used_at=None,
            used_by=None,
        )
    )
    return token, expires


def redeem(conn: Connection, *, token: object, used_by: str) -> tuple[str, str]:
    """``(device_id, secret)`` for a live, unused token; marks it used. Else :class:`PairingError`.

    The conditional ``UPDATE`` is the claim: of two concurrent redemptions only one changes the
    row. The caller's transaction must commit for the claim to count (a rollback leaves the
    link usable, as nothing was handed out).
    """
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        raise PairingError(REFUSED)
    key = token_id(token)
    row = conn.execute(select(pairings).where(pairings.c.id == key)).mappings().first()
    now = _now()
    if row is None or row["used_at"] is not None or row["expires_at"] <= now:
        raise PairingError(REFUSED)
    claimed = conn.execute(
        update(pairings)
        .where(pairings.c.id == key, pairings.c.used_at.is_(None))
        .values(used_at=now, used_by=used_by[:200], sealed_secret=None)
    ).rowcount
    sealed = row["sealed_secret"]
    if claimed != 1 or not sealed:
        raise PairingError(REFUSED)
    try:
        secret = (
            AESGCM(_key(token))
            .decrypt(sealed[:12], sealed[12:], str(row["device_id"]).encode())
            .decode()
        )
    except InvalidTag as exc:  # the row was tampered with
        raise PairingError(REFUSED) from exc
    device = conn.execute(
        select(devices.c.secret_hash, devices.c.active).where(devices.c.id == row["device_id"])
    ).first()
    if device is None or not device.active or device.secret_hash != device_auth.stored_hash(secret):
        raise PairingError(REFUSED)  # the device was rotated, deactivated or removed since
    return str(row["device_id"]), secret


def device_of(conn: Connection, *, token: object) -> str | None:
    """The device a token was issued for (for the audit of a refused redemption), if known."""
    if not isinstance(token, str) or len(token) > 100:
        return None
    return conn.execute(
        select(pairings.c.device_id).where(pairings.c.id == token_id(token))
    ).scalar()


def pairing_link(base_url: str, token: str) -> str:
    """The field app's pairing link: the token in the fragment, never sent to a server."""
    return f"{base_url.rstrip('/')}/web/field/#pair={token}"


def owntracks_config(setup: dict[str, str], *, call_sign: str) -> dict[str, Any]:
    """OwnTracks' remote configuration (``.otrc``) for HTTP mode with this device's login."""
    return {
        "_type": "configuration",
        "mode": 3,  # HTTP
        "url": setup["owntracks_http_url"],
        "auth": True,
        "username": setup["owntracks_http_user"],
        "password": setup["owntracks_http_password"],
        "deviceId": setup["device_id"],
        "tid": call_sign[-2:].upper() or "PS",
    }


def owntracks_link(config: dict[str, Any]) -> str:
    """``owntracks:///config?inline=<base64 .otrc>``: tapping or scanning it configures the app."""
    raw = json.dumps(config, separators=(",", ":")).encode()
    return "owntracks:///config?inline=" + quote(base64.b64encode(raw).decode(), safe="")


def pairing_setup(
    setup: dict[str, str], *, call_sign: str, base_url: str, token: str, expires_at: datetime
) -> dict[str, Any]:
    """The device's client settings plus its pairing link and the OwnTracks configuration."""
    config = owntracks_config(setup, call_sign=call_sign)
    return {
        **setup,
        "call_sign": call_sign,
        "pairing_link": pairing_link(base_url, token),
        "pairing_expires_at": expires_at.isoformat(),
        "owntracks_config": config,
        "owntracks_link": owntracks_link(config),
    }
