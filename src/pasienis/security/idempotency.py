"""Idempotency keys: a replayed request gets the original answer, never a second record.

A client that may resend a request (the field app's outbox after a lost response) sends an
``Idempotency-Key``. The key is written **in the same transaction as the action it guards**:
the action's transaction first inserts the row keyed on ``(scope, key)`` — the scope is the
caller (``user:<id>`` or ``device:<id>``), so two callers never see each other's answers —
then does the work, then stores its answer in the row, and commits all of it at once. So the
action and its key are never apart: a crash before the commit leaves neither (a resend runs
the action), a crash after it leaves both (a resend gets the stored answer), and an action
that fails leaves no key behind. The primary key makes it race-safe on every engine: of
concurrent requests with one key, the first insert wins; the others' inserts fail (PostgreSQL
makes them wait for the winner's commit, SQLite's write lock serialises them), their
transactions roll back before any work, and they answer with the winner's stored answer.

How an action finds its key: the API's ``@idempotent`` sets a :class:`Guard` for the request
(:func:`guarding`, a context variable, so it follows the request into worker threads and no
other request sees it); the capability opens its write transaction through :func:`guarded`,
which claims the key first and records the answer last. A guard that no transaction used is
a programming error (the route's action does not honour keys) and fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
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


class IdempotencyUnknownError(IdempotencyError):
    """A key claimed without an answer (left by a server that kept keys apart from actions)."""

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


@dataclass
class Guard:
    """The key of the request being handled, for the transaction of its action."""

    scope: str
    key: str
    request: str
    status_code: int
    #: Turns the action's result into the JSON answer the route sends (and replays).
    encode: Callable[[Any], Any]
    used: bool = False
    answer: Any = None


class KeyTakenError(Exception):
    """Another request with this key committed first (internal: answered with its replay)."""


_current: ContextVar[Guard | None] = ContextVar("pasienis_idempotency_guard", default=None)


@contextmanager
def guarding(guard: Guard) -> Iterator[Guard]:
    """Make ``guard`` the key of the action run inside (the request's context only)."""
    token = _current.set(guard)
    try:
        yield guard
    finally:
        _current.reset(token)


@contextmanager
def guarded(conn: Connection) -> Iterator[Callable[[Any], None]]:
    """Inside the action's write transaction: claim the request's key first, store the
    answer (what the yielded callable is given) last — one commit for both.

    Without a guard (no key sent, or a transaction other than the guarded action's) it does
    nothing. Raises :class:`KeyTakenError` when another request with the key committed first.
    """
    guard = _current.get()
    if guard is None or guard.used:
        yield _ignore
        return
    guard.used = True
    try:
        with conn.begin_nested():  # a failed insert must not poison a PostgreSQL transaction
            conn.execute(
                insert(idempotency_keys).values(
                    scope=guard.scope, key=guard.key, request=guard.request[:600],
                    created_at=datetime.now(UTC),
                )
            )  # fmt: skip
    except IntegrityError:
        guard.used = False
        raise KeyTakenError(guard.key) from None
    answers: list[Any] = []
    yield answers.append
    if not answers:
        raise RuntimeError("an idempotent action finished without an answer to store")
    guard.answer = guard.encode(answers[-1])
    conn.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.scope == guard.scope, idempotency_keys.c.key == guard.key)
        .values(status_code=guard.status_code, response=guard.answer,
                completed_at=datetime.now(UTC))
    )  # fmt: skip


def _ignore(_answer: Any) -> None:
    return None


def stored_answer(store: Store, *, scope: str, key: str, request: str) -> Replay | None:
    """The stored answer of ``key`` (``None``: never used, go ahead).

    Raises :class:`IdempotencyError` when the key was first used for another request, and
    :class:`IdempotencyUnknownError` for a claim without an answer (only rows written before
    keys were committed with their actions can be like that).
    """
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
    if row is None:
        return None
    if row["request"] != request[:600]:
        raise IdempotencyError(
            f"this {HEADER} was first used for {row['request']}, not {request}",
            hint="use a new key for each different action",
        )
    if row["status_code"] is None:
        raise IdempotencyUnknownError(
            "the first request with this key did not finish; it may or may not have taken effect",
            hint="check the record (e.g. the task's history) before acting again with a new key",
        )
    return Replay(status_code=int(row["status_code"]), body=row["response"])


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
