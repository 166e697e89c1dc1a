"""Transactions that commit in the order they took a lock: gap-free cursors over serial ids.

Why: a follower reads ``bus_events`` (and the alert feed its alerts) by "id greater than my
cursor". On PostgreSQL two transactions take ids 10 and 11 and may commit 11 first; a follower
that read 11 then never sees 10. Taking :func:`commit_in_order` before the insert that takes
the id means a transaction that takes a later id waits until the one before it has committed
(or rolled back), so every follower sees ids in the order they were handed out. SQLite has one
writer at a time already.
"""

from __future__ import annotations

from sqlalchemy import Connection

from pasienis.store.dialects import dialect_for


def commit_in_order(conn: Connection, name: str) -> None:
    """Hold the lock ``name`` until the caller's transaction ends (take it last, just before
    the insert whose serial id followers read by cursor; it is held only until commit)."""
    dialect_for(conn.dialect.name).transaction_lock(conn, name)
