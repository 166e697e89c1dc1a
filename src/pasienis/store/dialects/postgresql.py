"""PostgreSQL (+ PostGIS): COPY bulk path, geography points with a GiST index."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from pasienis.config import Settings
from pasienis.store.dialects.base import (
    BulkPlan,
    OnConflict,
    Row,
    column_converters,
    convert_rows,
    require_aware,
)
from pasienis.store.dialects.postgresql_search import PostgreSQLSearch
from pasienis.store.dialects.postgresql_triggers import PostgreSQLTriggers
from pasienis.store.errors import StoreError

_counter = itertools.count()

#: Below this many pages (8 KiB each: 8 MiB) a never-analysed table is simply counted.
COUNT_PAGES = 1024
#: About this many pages are sampled to estimate a large never-analysed table.
SAMPLE_PAGES = 1024

_DROPPABLE_SQL = text(
    "SELECT x.indexname, x.indexdef FROM pg_index AS i "
    "JOIN pg_class AS ic ON ic.oid = i.indexrelid "
    "JOIN pg_class AS t ON t.oid = i.indrelid "
    "JOIN pg_namespace AS n ON n.oid = t.relnamespace "
    "JOIN pg_indexes AS x ON x.schemaname = n.nspname AND x.indexname = ic.relname "
    "WHERE t.oid = to_regclass(quote_ident(:table)) "
    "AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid) "
    "ORDER BY x.indexname"
)

_SIZE_SQL = text(
    "SELECT c.reltuples, c.relpages, "
    "pg_relation_size(c.oid) / current_setting('block_size')::int AS pages "
    "FROM pg_class AS c WHERE c.oid = to_regclass(quote_ident(:table))"
)


class PostgreSQLDialect(PostgreSQLSearch, PostgreSQLTriggers):
    """The production engine."""

    name = "postgresql"

    def configure(self, engine: Engine, *, settings: Settings) -> None:
        """Nothing to attach: PostgreSQL's defaults (read committed, UTC via timestamptz) fit."""

    def write_gate(self, database: str | None) -> None:
        """None: writers lock rows, not the database, and wait in the server's lock queue."""
        return None

    def check_features(self, conn: Connection) -> list[str]:
        available = {
            row[0] for row in conn.exec_driver_sql("SELECT name FROM pg_available_extensions")
        }
        return [f"extension {ext}" for ext in ("postgis", "pg_trgm") if ext not in available]

    def bulk_insert(
        self,
        conn: Connection,
        plan: BulkPlan,
        rows: Iterable[Row],
        *,
        on_conflict: OnConflict,
        converted: bool = False,
    ) -> int:
        """COPY into a temporary table, then one ``INSERT … SELECT … ON CONFLICT``.

        COPY cannot resolve conflicts itself, and re-imports must be idempotent, so the rows
        land in a session-local table first; that still beats row-by-row inserts by far.
        """
        cols = ", ".join(plan.columns)
        tmp = f"_bulk_{plan.table.name}_{next(_counter)}"
        converters = [] if converted else column_converters(plan, datetime_as_text=False)
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
            cur.execute(self._merge_sql(plan, tmp, on_conflict), [v for _c, v in plan.restamp])
            cur.execute(f"DROP TABLE {tmp}")
        return sent

    @staticmethod
    def bind_datetime(value: datetime) -> Any:
        return require_aware(value)

    @staticmethod
    def _merge_sql(plan: BulkPlan, tmp: str, on_conflict: OnConflict) -> str:
        """The merge from the COPY's table; the plan's restamp values are its parameters."""
        cols = ", ".join(plan.columns)
        key = ", ".join(plan.key)
        if on_conflict is OnConflict.TOUCH:
            sets = [f"{c} = GREATEST({plan.table.name}.{c}, excluded.{c})" for c in plan.touch]
            sets += [f"{c} = GREATEST({plan.table.name}.{c}, %s)" for c, _v in plan.restamp]
            return (
                f"INSERT INTO {plan.table.name} ({cols}) "
                f"SELECT DISTINCT ON ({key}) {cols} FROM {tmp} "
                f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(sets)}"
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

    def droppable_indexes(self, conn: Connection, table: str) -> list[tuple[str, str]]:
        """Plain indexes of the table: not unique, not primary, backing no constraint."""
        return [(name, ddl) for name, ddl in conn.execute(_DROPPABLE_SQL, {"table": table})]

    @contextmanager
    def index_build(self, conn: Connection) -> Iterator[None]:
        """Nothing to switch: ``CREATE INDEX`` sorts in ``maintenance_work_mem`` and spills."""
        yield

    @contextmanager
    def one_pass(self, conn: Connection) -> Iterator[None]:
        """Nothing to switch: the server's shared buffers are not the client's memory."""
        yield

    def transaction_lock(self, conn: Connection, name: str) -> None:
        """A transaction-level advisory lock, released at commit or rollback (after the commit
        is visible to new snapshots)."""
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:n, 0))"), {"n": name})

    def estimate_rows(self, conn: Connection, table: str) -> int:
        """The planner's own estimate: ``reltuples`` scaled to the table's current size.

        ``reltuples / relpages`` (rows per page at the last ANALYZE) times the pages the
        table has now, as the planner does — so a table that grew since autovacuum last
        looked is not underestimated. A table never analysed (``reltuples = -1``) or analysed
        while empty (``0``: its density says nothing) is counted when small (≤ 8 MiB) and
        otherwise sampled (about :data:`SAMPLE_PAGES` pages with ``TABLESAMPLE SYSTEM``) —
        never scanned in full.
        """
        row = conn.execute(_SIZE_SQL, {"table": table}).first()
        if row is None:
            raise StoreError(f"no table {table!r}")
        reltuples, relpages, pages = float(row.reltuples), int(row.relpages), int(row.pages)
        if pages == 0:
            return 0
        if reltuples > 0 and relpages > 0:
            return round(reltuples / relpages * pages)
        quoted = conn.dialect.identifier_preparer.quote(table)
        if pages <= max(COUNT_PAGES, SAMPLE_PAGES):
            return int(conn.exec_driver_sql(f"SELECT count(*) FROM {quoted}").scalar() or 0)
        percent = 100.0 * SAMPLE_PAGES / pages
        sampled = conn.exec_driver_sql(
            f"SELECT count(*) FROM {quoted} TABLESAMPLE SYSTEM ({percent:.6f})"
        ).scalar()
        return round((sampled or 0) * 100.0 / percent)


DIALECT = PostgreSQLDialect()
