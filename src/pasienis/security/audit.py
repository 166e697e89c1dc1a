"""The audit log: append-only, hash-chained, searchable.

Each entry stores the previous entry's hash and its own SHA-256 over a canonical JSON
serialisation of every field (including ``seq`` and ``prev_hash``). ``audit_head`` holds the
last ``seq`` and hash; every append locks it (``SELECT … FOR UPDATE`` on PostgreSQL, the
``BEGIN IMMEDIATE`` write lock on SQLite), so there is one writer at a time and the chain
never forks. :func:`verify_chain` recomputes everything and names the first bad entry:
altered (hash mismatch), deleted (a gap in ``seq``), reordered (``prev_hash`` mismatch), or
truncated at the end (the head disagrees with the last entry).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from pasienis.security.models import audit_head, audit_log
from pasienis.security.users import now
from pasienis.store import Store

GENESIS = "0" * 64
HEAD_ID = 1


@dataclass(frozen=True)
class AuditEntry:
    """What to log: who, what, about which entities, from where, and why."""

    action: str
    actor_id: str | None = None
    actor_name: str | None = None
    actor_kind: str | None = None
    entity_ids: tuple[str, ...] = ()
    query: str | Mapping[str, Any] | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    purpose: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    outcome: str = "ok"


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :func:`verify_chain`."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _canonical(row: Mapping[str, Any]) -> bytes:
    """The bytes hashed for one entry: every column but ``hash``, keys sorted, UTC ISO time."""
    at: datetime = row["at"]
    body = {c.name: row[c.name] for c in audit_log.columns if c.name not in {"hash", "at"}}
    body["at"] = at.isoformat(timespec="microseconds")
    return _json(body).encode("utf-8")


def entry_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 hex of the canonical serialisation of ``row``."""
    return hashlib.sha256(_canonical(row)).hexdigest()


def append_entry(store: Store, entry: AuditEntry) -> int:
    """Append ``entry`` in its own write transaction; returns its sequence number."""
    with store.begin() as conn:
        return append_in(conn, entry)


#: The three statements of an append, built once: building them per call (``values(**row)``
#: binds fifteen fresh parameters and hashes a new cache key) cost more CPU than running them.
_LOCK_HEAD = (
    select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == HEAD_ID).with_for_update()
)
_INSERT = insert(audit_log)
_MOVE_HEAD = (
    update(audit_head)
    .where(audit_head.c.id == HEAD_ID)
    .values(seq=bindparam("head_seq"), hash=bindparam("head_hash"))
)


def append_in(conn: Connection, entry: AuditEntry) -> int:
    """Append ``entry`` inside the caller's write transaction (so it commits with the change)."""
    head = conn.execute(_LOCK_HEAD).first()
    if head is None:  # a database migrated without the seed row
        conn.execute(insert(audit_head).values(id=HEAD_ID, seq=0, hash=GENESIS))
        head_seq, head_hash = 0, GENESIS
    else:
        head_seq, head_hash = head.seq, head.hash
    query = (
        entry.query if entry.query is None or isinstance(entry.query, str) else dict(entry.query)
    )
    row: dict[str, Any] = {
        "seq": head_seq + 1,
        "at": now(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "actor_kind": entry.actor_kind,
        "action": entry.action,
        "entity_ids": _json(list(entry.entity_ids)),
        "query": None if query is None else _json(query),
        "detail": _json(dict(entry.detail)),
        "purpose": entry.purpose,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "outcome": entry.outcome,
        "prev_hash": head_hash,
    }
    row["hash"] = entry_hash(row)
    conn.execute(_INSERT, row)
    conn.execute(_MOVE_HEAD, {"head_seq": row["seq"], "head_hash": row["hash"]})
    return int(row["seq"])


def verify_chain(store: Store) -> VerifyResult:
    """Recompute the chain from the first entry; stop at the first bad one."""
    with store.read() as conn:
        expected_seq, prev, checked = 1, GENESIS, 0
        result = conn.execution_options(yield_per=2000).execute(
            select(audit_log).order_by(audit_log.c.seq)
        )
        for raw in result:
            row = dict(raw._mapping)
            bad = _check_row(row, expected_seq, prev)
            if bad:
                return VerifyResult(False, checked, row["seq"], bad)
            checked += 1
            expected_seq, prev = row["seq"] + 1, row["hash"]
        head = conn.execute(
            select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == HEAD_ID)
        ).first()
    last = expected_seq - 1
    if head is not None and (head.seq, head.hash) != (last, prev):
        return VerifyResult(
            False,
            checked,
            last + 1,
            f"the chain head records entry {head.seq} but the log ends at {last}: "
            "entries at the end were deleted (or the head was altered)",
        )
    return VerifyResult(True, checked)


def _check_row(row: dict[str, Any], expected_seq: int, prev: str) -> str | None:
    if row["seq"] != expected_seq:
        return f"entry {expected_seq} is missing (found {row['seq']} in its place)"
    if row["prev_hash"] != prev:
        return "its link to the previous entry is broken (entries reordered or replaced)"
    if entry_hash(row) != row["hash"]:
        return "its content does not match its hash (the entry was altered)"
    return None


def search_audit(
    conn: Connection,
    *,
    user: str | None = None,
    entity: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Entries matching every given filter, newest first (``until`` is exclusive)."""
    query = select(audit_log)
    if user:
        query = query.where(audit_log.c.actor_name == user)
    if entity:
        # entity ids are stored as a canonical JSON list: match the quoted id exactly.
        query = query.where(audit_log.c.entity_ids.contains(_json(entity), autoescape=True))
    if action:
        query = query.where(audit_log.c.action == action)
    if since:
        query = query.where(audit_log.c.at >= since)
    if until:
        query = query.where(audit_log.c.at < until)
    rows = conn.execute(query.order_by(audit_log.c.seq.desc()).limit(limit).offset(offset))
    return [_public(dict(r._mapping)) for r in rows]


def _public(row: dict[str, Any]) -> dict[str, Any]:
    row["entity_ids"] = json.loads(row["entity_ids"])
    row["detail"] = json.loads(row["detail"])
    row["query"] = None if row["query"] is None else json.loads(row["query"])
    return row
