"""Benchmark: bulk load with deferred secondary indexes vs. with every index kept.

Loads N ``border_crossings`` rows through ``Store.bulk_insert`` in 50,000-row transactions,
once with the table's indexes in place (the reference) and once with them deferred
(``defer_indexes``) and rebuilt afterwards (``restore_indexes``). On SQLite it then rebuilds
the same deferred indexes in child processes with different sorter settings (temp_store,
threads) and reports build time and the build's peak memory above the process baseline.

Run: ``python bench/bench_bulkload.py [--rows 1000000] [--engines sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from pasienis.config import Settings
from pasienis.model.events import border_crossings, row_columns
from pasienis.store import Store, defer_indexes, open_store, restore_indexes, upgrade

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
T0 = datetime(2026, 9, 1, tzinfo=UTC)
COLS = list(row_columns(border_crossings))
BATCH = 50_000
TABLE = "border_crossings"
#: Pragma variants of the SQLite index build: the write path's own settings first (sorter in
#: memory, 256 MiB page cache), then on-disk sorting with and without worker threads and with a
#: smaller page cache (which also bounds the sorter's in-memory runs).
VARIANTS: tuple[dict[str, str | int], ...] = (
    {"temp_store": "MEMORY", "threads": 0},
    {"temp_store": "FILE", "threads": 0},
    {"temp_store": "FILE", "threads": 2},
    {"temp_store": "FILE", "threads": 0, "cache_size": -65536},
    {"temp_store": "FILE", "threads": 2, "cache_size": -65536},
    {"temp_store": "FILE", "threads": 0, "cache_size": -16384},
    {"temp_store": "FILE", "threads": 0, "cache_size": -4096},
    {"temp_store": "FILE", "threads": 2, "cache_size": -4096},
)


def sha(*parts: object) -> str:
    key = "\x1f".join(str(p) for p in parts).encode()
    return hashlib.sha1(key, usedforsecurity=False).hexdigest()


def make_rows(n: int) -> list[tuple]:
    """n crossings: random (hash) ids; people and vehicles recur from pools of n/20."""
    pool = max(1, n // 20)
    rows = []
    for i in range(n):
        person, vehicle = (i * 7919) % pool, (i * 104729) % pool
        rows.append((
            f"bc-{sha('bc', i)}", T0 + timedelta(seconds=i), 54.6, 25.2, "bench",
            f"bench.csv:{i}", "run-1", None, f"checkpoint-{i % 12}", ("entry", "exit")[i % 2],
            f"p-{sha('p', person)}", f"v-{sha('v', vehicle)}", None,
        ))  # fmt: skip
    return rows


def load(store: Store, rows: list[tuple]) -> float:
    start = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        with store.begin() as conn:
            store.bulk_insert(conn, border_crossings, COLS, rows[i : i + BATCH])
    return time.perf_counter() - start


def run_engine(rows: list[tuple], fresh) -> dict[str, float]:
    """Reference load (indexes kept) and deferred load + rebuild, each into a fresh store."""
    with fresh() as store:
        kept = load(store, rows)
    with fresh() as store:
        with store.begin() as conn:
            defer_indexes(conn, TABLE, owner="bench")
        deferred_load = load(store, rows)
        start = time.perf_counter()
        restore_indexes(store, tables=[TABLE])
        build = time.perf_counter() - start
    n = len(rows)
    return {
        "kept rows/s": n / kept,
        "deferred load rows/s": n / deferred_load,
        "index build s": build,
        "deferred overall rows/s": n / (deferred_load + build),
    }


def sqlite_store(path: Path) -> Store:
    return open_store(Settings(database_url=f"sqlite:///{path}"))


def sqlite_bench(rows: list[tuple], work: Path, *, builds_only: bool = False) -> None:
    template = work / "template.db"
    store = sqlite_store(template)
    upgrade(store)
    store.dispose()

    class Fresh:
        def __init__(self) -> None:
            self.path = work / f"{uuid.uuid4().hex}.db"

        def __enter__(self) -> Store:
            shutil.copyfile(template, self.path)
            self.store = sqlite_store(self.path)
            return self.store

        def __exit__(self, *exc: object) -> None:
            self.store.dispose()
            self.path.unlink()

    if not builds_only:
        report("SQLite", len(rows), run_engine(rows, Fresh))
    # The same deferred table, rebuilt under each sorter setting in its own process.
    loaded = work / "loaded.db"
    shutil.copyfile(template, loaded)
    store = sqlite_store(loaded)
    with store.begin() as conn:
        defer_indexes(conn, TABLE, owner="bench")
    load(store, rows)
    store.dispose()
    print(f"\nSQLite index build of {len(rows):,} rows (3 indexes), by sorter setting:")
    print("| pragmas | build s | peak memory above baseline |")
    print("|---|---:|---:|")
    for pragmas in VARIANTS:
        copy = work / "build.db"
        shutil.copyfile(loaded, copy)
        out = subprocess.run(  # noqa: S603 - this very script
            [sys.executable, __file__, "--child-build", str(copy), json.dumps(pragmas)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        child = json.loads(out)
        label = ", ".join(f"{k}={v}" for k, v in pragmas.items())
        print(f"| {label} | {child['s']:.1f} | {child['mib']:.0f} MiB |")
        copy.unlink()


def child_build(path: str, pragmas: dict[str, str | int]) -> None:
    """Rebuild the deferred indexes of ``path`` with the given sorter pragmas; print JSON."""
    from pasienis.store.dialects import sqlite

    sqlite.INDEX_BUILD.clear()
    sqlite.INDEX_BUILD.update(pragmas)
    store = sqlite_store(Path(path))
    store.ping()
    base = rss()
    peak = [base]
    done = threading.Event()

    def sample() -> None:  # ru_maxrss would include the import's own peak
        while not done.wait(0.02):
            peak[0] = max(peak[0], rss())

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    restore_indexes(store)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    print(json.dumps({"s": seconds, "mib": (peak[0] - base) / 2**20}))


def rss() -> int:
    """Resident set size of this process now, in bytes."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize()


def pg_bench(rows: list[tuple]) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")

    class Fresh:
        def __enter__(self) -> Store:
            self.name = f"pasienis_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{self.name}"
            self.store = open_store(Settings(database_url=url))
            upgrade(self.store)
            return self.store

        def __exit__(self, *exc: object) -> None:
            self.store.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    report("PostgreSQL", len(rows), run_engine(rows, Fresh))
    admin.dispose()


def report(engine: str, n: int, result: dict[str, float]) -> None:
    print(f"\n{engine}, {n:,} border_crossings rows, {BATCH:,}-row transactions:")
    for key, value in result.items():
        print(f"  {key:26} {value:12,.1f}")
    speedup = result["deferred overall rows/s"] / result["kept rows/s"]
    print(f"  {'overall / kept':26} {speedup:12.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--builds-only", action="store_true", help="SQLite build variants only")
    parser.add_argument("--child-build", nargs=2, metavar=("DB", "PRAGMAS_JSON"))
    args, _ = parser.parse_known_args()
    if args.child_build:
        path, pragmas = args.child_build
        child_build(path, json.loads(pragmas))
        return
    rows = make_rows(args.rows)
    engines = args.engines.split(",")
    if "sqlite" in engines:
        with tempfile.TemporaryDirectory(prefix="bench-bulkload-") as work:
            sqlite_bench(rows, Path(work), builds_only=args.builds_only)
    if "postgresql" in engines and not args.builds_only:
        pg_bench(rows)


if __name__ == "__main__":
    main()
