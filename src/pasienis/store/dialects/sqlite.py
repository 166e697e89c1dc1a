"""SQLite: WAL, one writer (``BEGIN IMMEDIATE``), executemany bulk path, R*Tree spatial index."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, event, text

from pasienis.store.dialects.base import BulkPlan, OnConflict, Row, column_converters, convert_rows

#: Rows per executemany call: large enough to amortise the call, small enough to bound memory.
BATCH = 20_000

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
)


class SQLiteDialect:
    """The embedded engine."""

    name = "sqlite"

    def configure(self, engine: Engine) -> None:
        """Turn off pysqlite's own transaction handling and begin explicitly.

        Writers ask for ``BEGIN IMMEDIATE`` (execution option ``sqlite_begin``) so that two
        writers queue on the busy timeout instead of failing half-way with "database is locked".
        """

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            for pragma in PRAGMAS:
                cursor.execute(pragma)
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

    def check_features(self, conn: Connection) -> list[str]:
        missing = []
        options = {row[0] for row in conn.exec_driver_sql("PRAGMA compile_options")}
        probes = {
            "FTS5": "CREATE VIRTUAL TABLE temp._probe_fts USING fts5(x)",
            "RTREE": "CREATE VIRTUAL TABLE temp._probe_rtree USING rtree(id, a, b)",
        }
        for feature, ddl in probes.items():
            try:
                conn.exec_driver_sql(ddl)
                conn.exec_driver_sql(f"DROP TABLE temp.{ddl.split('temp.')[1].split()[0]}")
            except Exception:
                missing.append(feature)
        try:
            conn.exec_driver_sql("SELECT json('[1]')")
        except Exception:
            missing.append("JSON1")
        del options
        return missing

    def bulk_insert(
        self, conn: Connection, plan: BulkPlan, rows: Iterable[Row], *, on_conflict: OnConflict
    ) -> int:
        sql = self._insert_sql(plan, on_conflict)
        converters = column_converters(plan, datetime_as_text=True)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        sent = 0
        it = iter(convert_rows(rows, converters))
        try:
            while batch := list(islice(it, BATCH)):
                cursor.executemany(sql, batch)
                sent += len(batch)
        finally:
            cursor.close()
        return sent

    @staticmethod
    def _insert_sql(plan: BulkPlan, on_conflict: OnConflict) -> str:
        cols = ", ".join(plan.columns)
        marks = ", ".join("?" for _ in plan.columns)
        key = ", ".join(plan.key)
        sql = f"INSERT INTO {plan.table.name} ({cols}) VALUES ({marks}) ON CONFLICT ({key}) DO "
        if on_conflict is OnConflict.TOUCH:
            sets = ", ".join(f"{c} = max({c}, excluded.{c})" for c in plan.touch)
            return sql + f"UPDATE SET {sets}"
        return sql + "NOTHING"

    def spatial_ddl(self, table: str) -> list[str]:
        idx = f"{table}_rtree"
        return [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {idx} "
            "USING rtree(rid, min_lon, max_lon, min_lat, max_lat)",
            f"CREATE TRIGGER IF NOT EXISTS {table}_rtree_ins AFTER INSERT ON {table} "
            f"WHEN new.lat IS NOT NULL AND new.lon IS NOT NULL BEGIN "
            f"INSERT INTO {idx} VALUES (new.rowid, new.lon, new.lon, new.lat, new.lat); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_rtree_del AFTER DELETE ON {table} BEGIN "
            f"DELETE FROM {idx} WHERE rid = old.rowid; END",
        ]

    def drop_spatial_ddl(self, table: str) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS {table}_rtree_ins",
            f"DROP TRIGGER IF EXISTS {table}_rtree_del",
            f"DROP TABLE IF EXISTS {table}_rtree",
        ]

    def bbox_ids_sql(self, table: str) -> str:
        # R*Tree keeps 32-bit boxes rounded outwards: use it to find candidates by overlap,
        # then compare the exact coordinates.
        return (
            f"SELECT t.id FROM {table} t JOIN {table}_rtree r ON r.rid = t.rowid "
            "WHERE r.max_lon >= :west AND r.min_lon <= :east "
            "AND r.max_lat >= :south AND r.min_lat <= :north "
            "AND t.lon BETWEEN :west AND :east AND t.lat BETWEEN :south AND :north"
        )


DIALECT = SQLiteDialect()

__all__ = ["DIALECT", "SQLiteDialect", "text"]
