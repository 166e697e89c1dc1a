"""Idempotency keys: a replayed request gets the original answer, never a second record.

A client that may resend a request (the field app's outbox after a lost response) sends an
``Idempotency-Key``. The first request with a key *claims* it by inserting a row keyed on
``(scope, key)`` — the scope is the caller (``user:<id>`` or ``device:<id>``), so two callers
never see each other's answers. The primary key makes the claim race-safe on every engine:
of concurrent requests with one key exactly one inserts, the others find the row. When the
action finishes its answer is stored in the row; a replay then gets that answer. A replay
while the original is still running gets :class:`IdempotencyInProgressError` (409, retry later). An
action that fails releases its claim, so a retry runs it again (it created nothing).

What this does not cover: a server killed between committing the action and storing its
answer leaves a claim without an answer. Its replays are refused with
:class:`IdempotencyUnknownError` rather than run a second time — a duplicate is what this prevents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Column,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from pasienis.errors import PasienisError
from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

if TYPE_CHECKING:
    from pasienis.store import Store

HEADER = "Idempotency-Key"
MAX_KEY = 200
#: How long an unanswered claim counts as "still running" rather than "outcome unknown".
LEASE = timedelta(minutes=2)

idempotency_keys = Table(
    "security_idempotency_keys",
    metadata,
    Column("scope", String(200), nullable=False, comment="user:<id> or device:<id>"),
    Column("key", String(MAX_KEY), nullable=False),
    Column("request", String(600), nullable=False, comment="method and path of the first use"),
    Column("status_code", Integer, nullable=True, comment="NULL while the first use runs"),
    Column("response", JSON, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("completed_at", UTCDateTime, nullable=True),
    PrimaryKeyConstraint("scope", "key"),
)


class IdempotencyError(PasienisError):
    """An ``Idempotency-Key`` that cannot be honoured as sent."""

    status_code = 422
    kind = "idempotency-key"


class IdempotencyInProgressError(IdempotencyError):
    """The first request with this key is still running: retry shortly."""

    status_code = 409
    kind = "idempotency-in-progress"


class IdempotencyUnknownError(IdempotencyError):
    """The first request with this key never reported its outcome (the server died)."""

    status_code = 409
    kind = "idempotency-unknown"


@dataclass(frozen=True)
class Replay:
    """The stored answer of the first request with a key."""

    status_code: int
    body: Any


def check_key(key: str) -> str:
    """The key, or :class:`IdempotencyError` for an empty, long or non-printable one."""
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
        raise IdempotencyError(
            f"an {HEADER} has 1-{MAX_KEY} printable ASCII characters",
            hint="send a fresh UUID per action, and the same one when resending it",
        )
    return key


def claim(store: Store, *, scope: str, key: str, request: str) -> Replay | None:
    """Claim ``key`` for this request (``None``: go ahead) or return the stored answer.

    Raises :class:`IdempotencyInProgressError` while the first use runs, :class:`IdempotencyError`
    when the key was first used for another request, :class:`IdempotencyUnknownError` for a claim
    whose outcome was never stored.
    """
    key = check_key(key)
    now = datetime.now(UTC)
    try:
        with store.begin() as conn:
            conn.execute(
                insert(idempotency_keys).values(
                    scope=scope, key=key, request=request[:600], created_at=now
                )
            )
        return None
    except IntegrityError:
        pass
    with store.read() as conn:
        row = (
            conn.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
                )
            )
            .mappings()
            .first()
        )
    if row is None:  # released by a failed first use between our insert and this read
        return claim(store, scope=scope, key=key, request=request)
    if row["request"] != request[:600]:
        raise IdempotencyError(
            f"this {HEADER} was first used for {row['request']}, not {request}",
            hint="use a new key for each different action",
        )
    if row["status_code"] is not None:
        return Replay(status_code=int(row["status_code"]), body=row["response"])
    if now - row["created_at"] < LEASE:
        raise IdempotencyInProgressError(
            "the first request with this key is still being processed", hint="retry shortly"
        )
    raise IdempotencyUnknownError(
        "the first request with this key did not finish; it may or may not have taken effect",
        hint="check the record (e.g. the task's history) before acting again with a new key",
    )


def complete(store: Store, *, scope: str, key: str, status_code: int, body: Any) -> None:
    """Store the answer of the claimed request, for its replays."""
    with store.begin() as conn:
        conn.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key.strip())
            .values(status_code=status_code, response=body, completed_at=datetime.now(UTC))
        )


def release(store: Store, *, scope: str, key: str) -> None:
    """Give up a claim whose request failed (it created nothing): a retry runs it again."""
    with store.begin() as conn:
        conn.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.scope == scope,
                idempotency_keys.c.key == key.strip(),
                idempotency_keys.c.status_code.is_(None),
            )
        )


def purge(store: Store, *, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget answered keys older than ``older_than`` (an outbox never holds them that long)."""
    cutoff = datetime.now(UTC) - older_than
    with store.begin() as conn:
        result = conn.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.created_at < cutoff, idempotency_keys.c.status_code.is_not(None)
            )
        )
    return result.rowcount or 0
