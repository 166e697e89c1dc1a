"""Sign-in rate limiting and lock-out, per account and per address, kept in the store.

Failures are counted within a sliding window since the last success; once an account (or
address) reaches its limit, further attempts are refused *before* the password is checked
until the oldest counted failure ages out. Persisted, so a restart or a second worker does
not reset it.

Check and record are one step (:func:`reserve_attempt`): under a lock on the single
``login_guard`` row (both engines), the attempt is counted and recorded as a failure *before*
the password is verified, and only turned into a success afterwards. So 40 concurrent wrong
passwords get exactly the limit's worth of password checks, and argon2 runs outside any
write transaction (SQLite's one writer is never held for its ~50 ms).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, func, insert, select, update

from pasienis.security.errors import LockedOutError
from pasienis.security.models import login_attempts, login_guard
from pasienis.security.users import now


def check_allowed(
    conn: Connection,
    *,
    account: str,
    ip: str,
    max_account: int,
    max_ip: int,
    window_minutes: int,
) -> None:
    """Raise :class:`LockedOutError` when the account or the address is over its limit."""
    since = now() - timedelta(minutes=window_minutes)
    # A success resets the account's count but not the address's: otherwise one valid
    # account would let an attacker reset the limit on guessing others.
    for column, key, limit, what, resets in (
        (login_attempts.c.account, account, max_account, "account", True),
        (login_attempts.c.ip, ip, max_ip, "address", False),
    ):
        oldest, count = _failures(conn, column == key, since, reset_on_success=resets)
        if count >= limit and oldest is not None:
            wait = oldest + timedelta(minutes=window_minutes) - now()
            raise LockedOutError(
                f"too many failed sign-ins for this {what}",
                retry_after=max(1, int(wait.total_seconds()) + 1),
                hint=f"wait {window_minutes} minutes or ask an administrator",
            )


def record_attempt(conn: Connection, *, account: str, ip: str, success: bool) -> None:
    """Remember one sign-in attempt (a success resets the account's count)."""
    conn.execute(insert(login_attempts).values(at=now(), account=account, ip=ip, success=success))


def reserve_attempt(
    conn: Connection,
    *,
    account: str,
    ip: str,
    max_account: int,
    max_ip: int,
    window_minutes: int,
) -> int:
    """Lock, check the limits and record this attempt as a failure; return its id.

    Call it in its own write transaction and commit before checking the password; then
    :func:`mark_success` if the password was right.
    """
    locked = conn.execute(
        select(login_guard.c.id).where(login_guard.c.id == 1).with_for_update()
    ).first()
    if locked is None:  # a store migrated before the guard row existed
        conn.execute(insert(login_guard).values(id=1))
    check_allowed(
        conn,
        account=account,
        ip=ip,
        max_account=max_account,
        max_ip=max_ip,
        window_minutes=window_minutes,
    )
    result = conn.execute(
        insert(login_attempts).values(at=now(), account=account, ip=ip, success=False)
    )
    return int(result.inserted_primary_key[0])


def mark_success(conn: Connection, attempt_id: int) -> None:
    """The reserved attempt turned out right (resets the account's count from now)."""
    conn.execute(
        update(login_attempts)
        .where(login_attempts.c.id == attempt_id)
        .values(success=True, at=now())
    )


def _failures(
    conn: Connection, key: ColumnElement[bool], since: datetime, *, reset_on_success: bool
) -> tuple[datetime | None, int]:
    last_ok = None
    if reset_on_success:
        last_ok = conn.execute(
            select(func.max(login_attempts.c.at)).where(key, login_attempts.c.success.is_(True))
        ).scalar()
    start = max(since, last_ok) if last_ok is not None else since
    row = conn.execute(
        select(func.min(login_attempts.c.at), func.count()).where(
            key, login_attempts.c.success.is_(False), login_attempts.c.at > start
        )
    ).one()
    oldest = row[0]
    if isinstance(oldest, str):  # SQLite aggregates bypass the column type
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now().tzinfo)
    return oldest, int(row[1])
