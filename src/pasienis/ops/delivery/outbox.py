"""The outbox: every message to a unit is a row, numbered per unit, written before sending.

Sequence numbers come from ``ops_units.outbox_seq``, raised with ``UPDATE ... RETURNING`` in the
same transaction as the row, so they are gap-free and monotonic per unit on both engines (the
row lock on PostgreSQL, the single writer on SQLite). A device acknowledges cumulatively: "I
have everything up to N".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from pasienis.ops.errors import UnknownUnitError
from pasienis.ops.models import outbox, units


def enqueue(
    conn: Connection,
    *,
    unit_id: str,
    kind: str,
    task_id: str | None,
    payload: dict[str, Any],
    now: datetime,
) -> int:
    """Append a message for ``unit_id``; returns its sequence number."""
    seq = conn.execute(
        update(units)
        .where(units.c.id == unit_id)
        .values(outbox_seq=units.c.outbox_seq + 1)
        .returning(units.c.outbox_seq)
    ).scalar()
    if seq is None:
        raise UnknownUnitError(f"no unit {unit_id!r}")
    conn.execute(
        outbox.insert().values(
            unit_id=unit_id, seq=seq, kind=kind, task_id=task_id, payload=payload, created_at=now
        )
    )
    return int(seq)


def pending(
    conn: Connection, *, unit_id: str, after_seq: int, limit: int = 500
) -> list[dict[str, Any]]:
    """Messages after ``after_seq`` in sequence order, as sent on the wire."""
    rows = conn.execute(
        select(outbox.c.seq, outbox.c.kind, outbox.c.task_id, outbox.c.payload)
        .where(outbox.c.unit_id == unit_id, outbox.c.seq > after_seq)
        .order_by(outbox.c.seq)
        .limit(limit)
    )
    return [
        {"type": "message", "seq": r.seq, "kind": r.kind, "task_id": r.task_id, **r.payload}
        for r in rows
    ]


def mark_acked(
    conn: Connection, *, unit_id: str, upto_seq: int, now: datetime
) -> list[tuple[int, str, str | None]]:
    """Mark everything up to ``upto_seq`` acked; returns the newly acked (seq, kind, task)."""
    fresh = conn.execute(
        select(outbox.c.seq, outbox.c.kind, outbox.c.task_id)
        .where(outbox.c.unit_id == unit_id, outbox.c.seq <= upto_seq, outbox.c.acked_at.is_(None))
        .order_by(outbox.c.seq)
    ).all()
    if fresh:
        conn.execute(
            update(outbox)
            .where(
                outbox.c.unit_id == unit_id,
                outbox.c.seq <= upto_seq,
                outbox.c.acked_at.is_(None),
            )
            .values(acked_at=now)
        )
    return [(r.seq, r.kind, r.task_id) for r in fresh]


def last_seq(conn: Connection, *, unit_id: str) -> int:
    value = conn.execute(select(units.c.outbox_seq).where(units.c.id == unit_id)).scalar()
    return int(value or 0)
