"""Benchmark: bulk insert of statements and plate-read events into SQLite and PostgreSQL.

For each engine it writes N statements and N plate reads through ``Store.bulk_insert`` (the
path imports use: upsert on the primary key, indexes, spatial index) and, as the reference
measured in the same run, a plain ``executemany`` of the same rows into a bare table with the
same columns and no keys. It prints rows/s and the ratio ours/reference (our overhead).

Run: ``python bench/bench_store.py [--rows 1000000] [--engines sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Table, create_engine, text

from pasienis.config import Settings
from pasienis.model import install_model
from pasienis.model.events import plate_reads, row_columns
from pasienis.model.models import STATEMENT_COLUMNS, statements
from pasienis.model.statements import Provenance, make_statement
from pasienis.store import OnConflict, Store, open_store, upgrade
from pasienis.store.dialects.base import utc_naive_text

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
T0 = datetime(2026, 9, 1, tzinfo=UTC)
NAMES = ["Jonas Žukauskas", "Aleksandr Ivanov", "Ona Petraitienė", "Piotr Nowak", "Ivan Sidorov"]


def make_statements(n: int) -> tuple[list[tuple], float]:
    """n validated statements (4 per person), and the build rate (validation included)."""
    start = time.perf_counter()
    rows: list[tuple] = []
    prov = Provenance("bench", T0, run_id="run-1", locator="bench.csv")
    for i in range(n // 4 + 1):
        eid = f"bench-p{i}"
        rows.append(make_statement(eid, "Person", "id", eid, prov))
        rows.append(make_statement(eid, "Person", "name", f"{NAMES[i % 5]} {i}", prov))
        rows.append(
            make_statement(
                eid, "Person", "birthDate", f"19{50 + i % 50}-0{1 + i % 9}-1{i % 10}", prov
            )
        )
        rows.append(
            make_statement(eid, "Person", "nationality", ("lt", "by", "ru", "pl")[i % 4], prov)
        )
    rows = rows[:n]
    return rows, n / (time.perf_counter() - start)


def make_reads(n: int) -> list[tuple]:
    """n plate reads in the plate_reads column order."""
    rows = []
    for i in range(n):
        plate = f"ABC{i % 1000:03d}"
        rows.append((
            f"r{i}", T0 + timedelta(seconds=i), 54.0 + (i % 10000) * 1e-4,
            23.0 + (i % 7919) * 3e-4, "cams", f"reads.csv:{i + 2}", "run-1", None,
            f"CAM-{i % 57}", plate, plate, "LT", 0.9, None,
        ))  # fmt: skip
    return rows


def bare_table(store: Store, table: Table) -> str:
    """Create ``bare_<table>`` with the same columns, no keys or indexes; return its name."""
    name = f"bare_{table.name}"
    types = {"sqlite": "TEXT", "postgresql": "TEXT"}
    cols = []
    for col in table.columns:
        sql_type = col.type.compile(store.engine.dialect)
        if store.engine_name == "sqlite" and "TIMESTAMP" in sql_type.upper():
            sql_type = types["sqlite"]
        cols.append(f"{col.name} {sql_type}")
    with store.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE TABLE {name} ({', '.join(cols)})")
    return name


def reference_insert(
    store: Store, table: Table, columns: tuple[str, ...], rows: list[tuple]
) -> float:
    """Plain DB-API executemany of the same rows into the bare table; returns seconds."""
    name = bare_table(store, table)
    prepared = rows
    if store.engine_name == "sqlite":  # the driver needs text times, like our path gives it
        idx = [i for i, c in enumerate(columns) if c in {"occurred_at", "first_seen", "last_seen"}]
        prepared = [
            tuple(utc_naive_text(v) if i in idx else v for i, v in enumerate(r)) for r in rows
        ]
    if "attributes" in columns:
        prepared = [
            tuple(None if c == "attributes" else v for c, v in zip(columns, r, strict=True))
            for r in prepared
        ]
    marks = ", ".join(["?" if store.engine_name == "sqlite" else "%s"] * len(columns))
    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})"
    start = time.perf_counter()
    with store.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.executemany(sql, prepared)
        cursor.close()
    return time.perf_counter() - start


def ours_insert(
    store: Store, table: Table, columns: tuple[str, ...], rows: list[tuple], conflict: OnConflict
) -> float:
    start = time.perf_counter()
    with store.begin() as conn:
        store.bulk_insert(conn, table, columns, rows, on_conflict=conflict)
    return time.perf_counter() - start


def with_store(engine: str, run: Callable[[Store], None]) -> None:
    if engine == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="pasienis-bench-"))
        store = open_store(Settings(database_url=f"sqlite:///{folder / 'bench.db'}"))
        upgrade(store)
        try:
            run(store)
        finally:
            store.dispose()
        return
    name = f"pasienis_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = open_store(Settings(database_url=PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"))
    try:
        upgrade(store)
        run(store)
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    install_model(Settings(data_dir=Path(tempfile.mkdtemp(prefix="pasienis-model-"))))
    stmts, build_rate = make_statements(args.rows)
    reads = make_reads(args.rows)
    read_cols = row_columns(plate_reads)
    print(f"rows per table: {args.rows:,}; statements built and validated at {build_rate:,.0f}/s")
    print(
        f"{'engine':<11}{'table':<13}{'ours rows/s':>14}{'executemany rows/s':>20}{'ours/ref':>10}"
    )
    for engine in args.engines.split(","):

        def run(store: Store, engine: str = engine) -> None:
            for label, table, cols, rows, conflict in (
                ("statements", statements, STATEMENT_COLUMNS, stmts, OnConflict.TOUCH),
                ("plate_reads", plate_reads, read_cols, reads, OnConflict.IGNORE),
            ):
                ours = ours_insert(store, table, cols, rows, conflict)
                ref = reference_insert(store, table, cols, rows)
                n = len(rows)
                print(
                    f"{engine:<11}{label:<13}{n / ours:>14,.0f}{n / ref:>20,.0f}{ref / ours:>10.2f}"
                )

        with_store(engine, run)


if __name__ == "__main__":
    main()
