"""SQLite: WAL, one writer (``BEGIN IMMEDIATE``), executemany bulk path, R*Tree spatial index."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, event, text

from pasienis.config import Settings
from pasienis.store.dialects.base import BulkPlan, OnConflict, Row, column_converters, convert_rows

#: Rows per executemany call: large enough to amortise the call, small enough to bound memory.
BATCH = 20_000

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA temp_store=MEMORY",
)


class SQLiteDialect:
    """The embedded engine."""

    name = "sqlite"

    def configure(self, engine: Engine, *, settings: Settings) -> None:
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
            cursor.execute(f"PRAGMA cache_size=-{int(settings.sqlite_cache_mb) * 1024}")
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
        """A (lat, lon) B-tree rather than an R*Tree for event points.

        Measured on 300k plate reads: an R*Tree kept by trigger loads at ~20k rows/s, filled in
        bulk ~37k rows/s, a (lat, lon) index ~60k rows/s; bounding-box queries on points
        stay index range scans with the longitude checked inside the index.
        """
        return [f"CREATE INDEX IF NOT EXISTS ix_{table}_lat_lon ON {table} (lat, lon)"]

    def drop_spatial_ddl(self, table: str) -> list[str]:
        return [f"DROP INDEX IF EXISTS ix_{table}_lat_lon"]

    def bbox_ids_sql(self, table: str) -> str:
        return (
            f"SELECT id FROM {table} WHERE lat BETWEEN :south AND :north "
            "AND lon BETWEEN :west AND :east"
        )


DIALECT = SQLiteDialect()

__all__ = ["DIALECT", "SQLiteDialect", "text"]
