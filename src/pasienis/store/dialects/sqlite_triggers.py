"""SQLite change counters: triggers that raise a one-row counter on every row change.

A cache that must never serve what a change made stale (the security capability's principal
cache) reads the counter once per use and drops what it holds when the counter moved. The
triggers run inside the writing transaction, so the counter commits (or rolls back) with the
change, whoever made it: the API, the CLI, another process, or a hand-written ``UPDATE``.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

#: Row changes that fire a counter trigger (one trigger per operation: SQLite has no
#: ``INSERT OR UPDATE OR DELETE`` trigger).
OPERATIONS = ("insert", "update", "delete")


def _trigger(counter: str, table: str, operation: str) -> str:
    return f"{counter}_{table}_{operation}"


class SQLiteTriggers:
    """Change-counter triggers for :class:`~pasienis.store.dialects.sqlite.SQLiteDialect`."""

    def change_counter_ddl(self, *, table: str, counter: str) -> list[str]:
        """Triggers raising ``counter.value`` (its row ``id = 1``) on every row change of
        ``table``. ``counter`` is a table with columns ``id`` and ``value``."""
        return [
            f"CREATE TRIGGER IF NOT EXISTS {_trigger(counter, table, op)} AFTER {op.upper()} "
            f"ON {table} FOR EACH ROW BEGIN "
            f"UPDATE {counter} SET value = value + 1 WHERE id = 1; END"
            for op in OPERATIONS
        ]

    def drop_change_counter_ddl(self, *, table: str, counter: str) -> list[str]:
        """DDL that removes what :meth:`change_counter_ddl` created."""
        return [f"DROP TRIGGER IF EXISTS {_trigger(counter, table, op)}" for op in OPERATIONS]

    def drop_change_counter_function_ddl(self, *, counter: str) -> list[str]:
        """Nothing: SQLite triggers carry their own body."""
        del counter
        return []

    def missing_change_counters(
        self, conn: Connection, *, tables: tuple[str, ...], counter: str
    ) -> list[str]:
        """Tables among ``tables`` lacking one of their counter triggers (a table rebuilt by
        a batch migration loses its triggers), and ``counter`` itself if its row is gone."""
        found = set(
            conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
        )
        missing = [
            table
            for table in tables
            if any(_trigger(counter, table, op) not in found for op in OPERATIONS)
        ]
        row = conn.execute(text(f"SELECT value FROM {counter} WHERE id = 1")).first()
        return [*missing, counter] if row is None else missing
