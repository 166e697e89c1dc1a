"""PostgreSQL (+ PostGIS): COPY bulk path, geography points with a GiST index."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from sqlalchemy import Connection, Engine

from pasienis.config import Settings
from pasienis.store.dialects.base import BulkPlan, OnConflict, Row, column_converters, convert_rows

_counter = itertools.count()


class PostgreSQLDialect:
    """The production engine."""

    name = "postgresql"

    def configure(self, engine: Engine, *, settings: Settings) -> None:
        """Nothing to attach: PostgreSQL's defaults (read committed, UTC via timestamptz) fit."""

    def check_features(self, conn: Connection) -> list[str]:
        available = {
            row[0] for row in conn.exec_driver_sql("SELECT name FROM pg_available_extensions")
        }
        return [f"extension {ext}" for ext in ("postgis", "pg_trgm") if ext not in available]

    def bulk_insert(
        self, conn: Connection, plan: BulkPlan, rows: Iterable[Row], *, on_conflict: OnConflict
    ) -> int:
        """COPY into a temporary table, then one ``INSERT … SELECT … ON CONFLICT``.

        COPY cannot resolve conflicts itself, and re-imports must be idempotent, so the rows
        land in a session-local table first; that still beats row-by-row inserts by far.
        """
        cols = ", ".join(plan.columns)
        tmp = f"_bulk_{plan.table.name}_{next(_counter)}"
        converters = column_converters(plan, datetime_as_text=False)
        raw = conn.connection.driver_connection
        sent = 0
        with raw.cursor() as cur:  # type: ignore[union-attr]
            cur.execute(
                f"CREATE TEMP TABLE {tmp} (LIKE {plan.table.name} INCLUDING DEFAULTS) "
                "ON COMMIT DROP"
            )
            with cur.copy(f"COPY {tmp} ({cols}) FROM STDIN") as copy:
                for row in convert_rows(rows, converters):
                    copy.write_row(row)
                    sent += 1
            cur.execute(self._merge_sql(plan, tmp, on_conflict))
            cur.execute(f"DROP TABLE {tmp}")
        return sent

    @staticmethod
    def _merge_sql(plan: BulkPlan, tmp: str, on_conflict: OnConflict) -> str:
        cols = ", ".join(plan.columns)
        key = ", ".join(plan.key)
        if on_conflict is OnConflict.TOUCH:
            sets = ", ".join(
                f"{c} = GREATEST({plan.table.name}.{c}, excluded.{c})" for c in plan.touch
            )
            return (
                f"INSERT INTO {plan.table.name} ({cols}) "
                f"SELECT DISTINCT ON ({key}) {cols} FROM {tmp} "
                f"ON CONFLICT ({key}) DO UPDATE SET {sets}"
            )
        return (
            f"INSERT INTO {plan.table.name} ({cols}) SELECT {cols} FROM {tmp} "
            f"ON CONFLICT ({key}) DO NOTHING"
        )

    def spatial_ddl(self, table: str) -> list[str]:
        return [
            "CREATE EXTENSION IF NOT EXISTS postgis",
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS geog geography(Point, 4326) "
            "GENERATED ALWAYS AS (CASE WHEN lat IS NULL OR lon IS NULL THEN NULL ELSE "
            "ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography END) STORED",
            f"CREATE INDEX IF NOT EXISTS ix_{table}_geog ON {table} USING gist (geog)",
        ]

    def drop_spatial_ddl(self, table: str) -> list[str]:
        return [
            f"DROP INDEX IF EXISTS ix_{table}_geog",
            f"ALTER TABLE {table} DROP COLUMN IF EXISTS geog",
        ]

    def bbox_ids_sql(self, table: str) -> str:
        return (
            f"SELECT id FROM {table} WHERE geog && "
            "ST_MakeEnvelope(:west, :south, :east, :north, 4326)::geography"
        )


DIALECT = PostgreSQLDialect()
