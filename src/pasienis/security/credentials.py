"""Browser sessions and API tokens: random secrets handed out once, stored as SHA-256.

Every API token expires: at most ``api_token_ttl_days`` after it was issued, counted at each
use (so tokens from before the setting existed, or issued with a longer expiry, age out too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Table, insert, select, update

from pasienis.security.models import api_tokens, sessions, users
from pasienis.security.passwords import generate_secret, secret_hash
from pasienis.security.users import now

SESSION_PREFIX = "pss"
TOKEN_PREFIX = "pst"  # noqa: S105 - a public prefix for secret scanners, not a secret


@dataclass(frozen=True)
class Issued:
    """A secret to hand to the client once, and the id under which it is stored."""

    secret: str
    id: str
    expires_at: datetime | None


def create_session(
    conn: Connection, *, user_id: str, ttl_minutes: int, ip: str | None, user_agent: str | None
) -> Issued:
    """Start a browser session for ``user_id``."""
    secret = generate_secret(SESSION_PREFIX)
    expires = now() + timedelta(minutes=ttl_minutes)
    conn.execute(
        insert(sessions).values(
            id=secret_hash(secret),
            user_id=user_id,
            created_at=now(),
            expires_at=expires,
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
            revoked_at=None,
        )
    )
    return Issued(secret=secret, id=secret_hash(secret), expires_at=expires)


#: The expiry of a token issued without one (``Settings.api_token_ttl_days``'s default).
DEFAULT_TOKEN_TTL_DAYS = 90


def create_token(
    conn: Connection,
    *,
    user_id: str,
    label: str | None = None,
    ttl_days: int = DEFAULT_TOKEN_TTL_DAYS,
) -> Issued:
    """Issue an API bearer token for ``user_id`` that expires after ``ttl_days``."""
    secret = generate_secret(TOKEN_PREFIX)
    expires = now() + timedelta(days=ttl_days)
    conn.execute(
        insert(api_tokens).values(
            id=secret_hash(secret),
            user_id=user_id,
            label=label,
            created_at=now(),
            expires_at=expires,
            revoked_at=None,
        )
    )
    return Issued(secret=secret, id=secret_hash(secret), expires_at=expires)


def session_user(conn: Connection, secret: str) -> tuple[str, str] | None:
    """``(user_id, session_id)`` for a live session of an enabled account, else ``None``."""
    return _lookup(conn, sessions, secret, max_age=None)


def token_user(
    conn: Connection, secret: str, *, max_age_days: int = DEFAULT_TOKEN_TTL_DAYS
) -> tuple[str, str] | None:
    """``(user_id, token_id)`` for a live token of an enabled account, else ``None``.

    A token older than ``max_age_days`` is dead whatever its own expiry says.
    """
    return _lookup(conn, api_tokens, secret, max_age=timedelta(days=max_age_days))


def _lookup(
    conn: Connection, table: Table, secret: str, *, max_age: timedelta | None
) -> tuple[str, str] | None:
    if not secret or len(secret) > 200:
        return None
    key = secret_hash(secret)
    row = conn.execute(
        select(
            table.c.user_id,
            table.c.created_at,
            table.c.expires_at,
            table.c.revoked_at,
            users.c.disabled,
        )
        .join(users, users.c.id == table.c.user_id)
        .where(table.c.id == key)
    ).first()
    if row is None or row.revoked_at is not None or row.disabled:
        return None
    expires = row.expires_at
    if max_age is not None:
        latest = row.created_at + max_age
        expires = latest if expires is None else min(expires, latest)
    if expires is None or expires <= now():
        return None
    return row.user_id, key


def revoke_session(conn: Connection, session_id: str) -> None:
    """End one session (sign-out)."""
    conn.execute(update(sessions).where(sessions.c.id == session_id).values(revoked_at=now()))


def revoke_tokens(conn: Connection, *, user_id: str) -> int:
    """Revoke every token of an account; returns how many were live."""
    result = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    return result.rowcount or 0
