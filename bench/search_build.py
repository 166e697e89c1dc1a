"""Build the search-latency stores once: ``n`` synthetic entities into SQLite and PostgreSQL.

The bulk path, not API calls: each batch of index rows is made once by the index's own
:func:`pasienis.search.build_row` (:mod:`search_scale`) and written to every target store by
:func:`pasienis.search.write_rows` (COPY on PostgreSQL, ``executemany`` on SQLite). On
PostgreSQL the full-text and trigram GIN indexes are dropped for the load and made again after
it (maintaining them row by row is most of the load time), then the tables are analysed.

Then run ``bench_search.py --sqlite-url ... --pg-url ...`` on the built stores.

Run: ``python bench/search_build.py --entities 1000000 --sqlite PATH --pg DBNAME``.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import create_engine, text

from pasienis.config import Settings
from pasienis.search import build_row, write_rows
from pasienis.search.indexer import IndexRow
from pasienis.store import Store, open_store, upgrade
from search_scale import synthetic

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
_PG_GIN = ("ix_search_entities_tsv", "ix_search_entities_trgm")


def _pg_url(name: str, *, create: bool) -> str:
    if create:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def _open(args: argparse.Namespace) -> dict[str, Store]:
    stores = {}
    if args.sqlite:
        stores["sqlite"] = open_store(Settings(database_url=f"sqlite:///{args.sqlite}"))
    if args.pg:
        stores["postgresql"] = open_store(Settings(database_url=_pg_url(args.pg, create=True)))
    for store in stores.values():
        upgrade(store)
    if "postgresql" in stores:
        with stores["postgresql"].begin() as conn:
            for name in _PG_GIN:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    return stores


def _finish(stores: dict[str, Store], spent: dict[str, float]) -> None:
    if "postgresql" in stores:
        t = time.perf_counter()
        store = stores["postgresql"]
        with store.begin() as conn:
            for ddl in store.dialect.fts_ddl():  # type: ignore[attr-defined]
                conn.exec_driver_sql(ddl)
        with store.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        spent["postgresql_gin_and_analyze"] = time.perf_counter() - t
    if "sqlite" in stores:
        with stores["sqlite"].begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    for store in stores.values():
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--sqlite", help="path of the SQLite file to create")
    parser.add_argument("--pg", help="name of the PostgreSQL database to create")
    parser.add_argument("--batch", type=int, default=20_000)
    args = parser.parse_args()
    stores = _open(args)
    spent = dict.fromkeys(stores, 0.0)
    built = 0.0
    started = time.perf_counter()
    rows: list[IndexRow] = []
    done = 0

    def flush() -> None:
        for name, store in stores.items():
            t = time.perf_counter()
            with store.begin() as conn:
                write_rows(store, conn, rows, replace=False)
            spent[name] += time.perf_counter() - t

    for entity_id, dataset, facts in synthetic(args.entities):
        t = time.perf_counter()
        rows.append(build_row(entity_id, dataset, facts))
        built += time.perf_counter() - t
        if len(rows) >= args.batch:
            flush()
            done += len(rows)
            rows = []
            if done % 100_000 == 0:
                print(f"  {done:,} rows {time.perf_counter() - started:.0f} s", flush=True)
    if rows:
        flush()
    _finish(stores, spent)
    print({"entities": args.entities, "build_rows_s": round(built, 1),
           **{f"{k}_s": round(v, 1) for k, v in spent.items()},
           "total_s": round(time.perf_counter() - started, 1)}, flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
