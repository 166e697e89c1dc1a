"""PostgreSQL change counters: triggers that raise a one-row counter on every row change.

See :mod:`pasienis.store.dialects.sqlite_triggers` for what they are for. Row-level triggers
(so a statement that changes nothing raises nothing and takes no lock on the counter row),
plus a statement-level one for ``TRUNCATE``, which fires no row trigger. The counter row is
updated inside the writing transaction: readers see the new value exactly when they see the
change (read committed), never before.
"""

from __future__ import annotations

from sqlalchemy import Connection, text


def _function(counter: str) -> str:
    return f"{counter}_bump"


class PostgreSQLTriggers:
    """Change-counter triggers of the PostgreSQL dialect."""

    def change_counter_ddl(self, *, table: str, counter: str) -> list[str]:
        """Triggers raising ``counter.value`` (its row ``id = 1``) on every row change of
        ``table`` (and on ``TRUNCATE``). ``counter`` is a table with ``id`` and ``value``."""
        fn = _function(counter)
        return [
            f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $body$ "
            f"BEGIN UPDATE {counter} SET value = value + 1 WHERE id = 1; RETURN NULL; END "
            "$body$",
            f"DROP TRIGGER IF EXISTS {counter}_rows ON {table}",
            f"CREATE TRIGGER {counter}_rows AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {fn}()",
            f"DROP TRIGGER IF EXISTS {counter}_truncate ON {table}",
            f"CREATE TRIGGER {counter}_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
        ]

    def drop_change_counter_ddl(self, *, table: str, counter: str) -> list[str]:
        """DDL that removes the triggers of :meth:`change_counter_ddl` from ``table`` (the
        shared function stays until :meth:`drop_change_counter_function_ddl`)."""
        return [
            f"DROP TRIGGER IF EXISTS {counter}_rows ON {table}",
            f"DROP TRIGGER IF EXISTS {counter}_truncate ON {table}",
        ]

    def drop_change_counter_function_ddl(self, *, counter: str) -> list[str]:
        """The trigger function, once no table uses it."""
        return [f"DROP FUNCTION IF EXISTS {_function(counter)}()"]

    def missing_change_counters(
        self, conn: Connection, *, tables: tuple[str, ...], counter: str
    ) -> list[str]:
        """Tables among ``tables`` lacking an enabled counter trigger, and ``counter`` itself
        if its row is gone."""
        rows = conn.execute(
            text(
                "SELECT c.relname, t.tgname FROM pg_trigger AS t "
                "JOIN pg_class AS c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' "
                "AND c.oid = ANY(SELECT to_regclass(quote_ident(n)) "
                "FROM unnest(CAST(:tables AS text[])) AS n)"
            ),
            {"tables": list(tables)},
        )
        found = {(table, name) for table, name in rows}
        wanted = (f"{counter}_rows", f"{counter}_truncate")
        missing = [t for t in tables if any((t, name) not in found for name in wanted)]
        row = conn.execute(text(f"SELECT value FROM {counter} WHERE id = 1")).first()
        return [*missing, counter] if row is None else missing
