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


@dataclass(frozen=True)
class CredentialState:
    """A stored session or token as read for one secret, before it is judged live.

    Kept apart from the judgement (:meth:`live`) so a cache may keep the state — every
    change to it raises the security epoch — while expiry is still judged at every use.
    """

    id: str
    user_id: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    disabled: bool

    def live(self, *, max_age: timedelta | None, at: datetime) -> bool:
        """Whether the credential may be used at ``at``: not revoked, account enabled, not
        past its expiry nor (tokens) ``max_age`` after it was issued."""
        if self.revoked_at is not None or self.disabled:
            return False
        expires = self.expires_at
        if max_age is not None:
            latest = self.created_at + max_age
            expires = latest if expires is None else min(expires, latest)
        return expires is not None and expires > at


def session_user(conn: Connection, secret: str) -> tuple[str, str] | None:
    """``(user_id, session_id)`` for a live session of an enabled account, else ``None``."""
    return _lookup(conn, sessions, secret, max_age=None)


def token_user(
    conn: Connection, secret: str, *, max_age_days: int = DEFAULT_TOKEN_TTL_DAYS
) -> tuple[str, str] | None:
    """``(user_id, token_id)`` for a live token of an enabled account, else ``None``.

    A token older than ``max_age_days`` is dead whatever its own expiry says.
    """
    return _lookup(conn, api_tokens, secret, max_age=token_max_age(max_age_days))


def token_max_age(max_age_days: int) -> timedelta:
    """The longest a token lives after it was issued (``Settings.api_token_ttl_days``)."""
    return timedelta(days=max_age_days)


def session_state(conn: Connection, secret: str) -> CredentialState | None:
    """The stored session for ``secret`` (live or not), or ``None``."""
    return _state(conn, sessions, secret)


def token_state(conn: Connection, secret: str) -> CredentialState | None:
    """The stored API token for ``secret`` (live or not), or ``None``."""
    return _state(conn, api_tokens, secret)


def credential_key(secret: str) -> str | None:
    """The stored id of ``secret`` (its SHA-256), ``None`` for an empty or absurd one."""
    if not secret or len(secret) > 200:
        return None
    return secret_hash(secret)


def _state(conn: Connection, table: Table, secret: str) -> CredentialState | None:
    key = credential_key(secret)
    if key is None:
        return None
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
    if row is None:
        return None
    return CredentialState(
        id=key,
        user_id=row.user_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        disabled=bool(row.disabled),
    )


def _lookup(
    conn: Connection, table: Table, secret: str, *, max_age: timedelta | None
) -> tuple[str, str] | None:
    state = _state(conn, table, secret)
    if state is None or not state.live(max_age=max_age, at=now()):
        return None
    return state.user_id, state.id


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
