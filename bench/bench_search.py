"""Benchmark: search and screening — quality on the scenario, latency and throughput at scale.

1. Screening quality (scenario ``--seed``, 42 unless told): recall of planted watchlist variants
   by kind and false alerts per 1,000 records of persons on no list, each crossing's stored
   traveller record screened as ``screen_run`` does (birth dates borrowed from its passport's
   other records when it has none); nomenklatura ``logic-v2`` on the same pairs.
2. Search quality: recall@5 of every identity cluster's variant names, and of plate misreads
   (the scenario's own ``misread``) finding the true vehicle.
3. Search latency p50/p99 over ``--entities`` synthetic entities on SQLite and PostgreSQL,
   through the API of a real uvicorn process (reference in the same run: the engine called
   in-process, so the ratio is the API's cost).
4. Screening throughput against a ``--watchlist``-entry list, in records/s (target 5,000).
5. Live plate-read latency p99 (HTTP POST, stored + screened + answered) on the SQLite server
   holding that watchlist.

Run: ``python bench/bench_search.py [--entities 1000000] [--watchlist 100000] [--scale 1]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select, text

from pasienis.config import Settings
from pasienis.model import install_model
from pasienis.model.models import statements
from pasienis.scenario import generate
from pasienis.scenario.plates import misread
from pasienis.search import SearchQuery, catch_up, search
from pasienis.security import Role, ensure_datasets
from pasienis.security.provision import provision
from pasienis.store import Store, open_store, upgrade
from pasienis.watch import Entry, Subject, WatchIndex, add_source
from pasienis.watch.models import watch_entries, watch_lists
from pasienis.watch.rule import reference_screen
from pasienis.watch.service import bump_generation
from search_quality import screening_quality
from search_scale import load, percentiles, queries, synthetic, timed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "ops"))
from live_server import LiveServer

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATASETS = ("border", "tax", "register")


def scenario_store(out: Path, work: Path) -> Store:
    """The scenario loaded into a SQLite store, as `pasienis scenario load` does, and indexed."""
    from pasienis.ingest import load_scenario

    store = open_store(Settings(database_url=f"sqlite:///{work / 'quality.db'}"))
    upgrade(store)
    load_scenario(store, folder=out)
    catch_up(store, limit=1000)
    return store


def search_quality(out: Path, store: Store) -> dict[str, Any]:
    """Search every cluster's names and plate misreads in the loaded scenario."""
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    with store.read() as conn:
        datasets = sorted(set(conn.execute(select(statements.c.dataset).distinct()).scalars()))
        people = _people(conn)
        found = total = 0
        for cluster in truth["identity_clusters"]:
            right = {eid for name in cluster["names"] for eid in people.get(name, ())}
            for name in cluster["names"]:
                hits = search(store, conn, SearchQuery(text=name, limit=5), datasets=datasets).hits
                found += bool({h.entity_id for h in hits} & right)
                total += 1
        plate_found, plate_total = _plates(store, conn, datasets)
    return {
        "name_queries": total,
        "recall_at_5": round(found / total, 4),
        "plate_misreads": plate_total,
        "plate_recall_at_5": round(plate_found / plate_total, 4),
    }


def _people(conn: Any) -> dict[str, set[str]]:
    """Name → ids of person entities written with that name (their records)."""
    rows = conn.execute(
        select(statements.c.value, statements.c.entity_id).where(
            statements.c.schema == "Person", statements.c.prop == "name"
        )
    )
    out: dict[str, set[str]] = {}
    for value, eid in rows:
        out.setdefault(value, set()).add(eid)
    return out


def _plates(store: Store, conn: Any, datasets: list[str]) -> tuple[int, int]:
    rows = list(
        conn.execute(
            select(statements.c.value, statements.c.entity_id)
            .where(statements.c.prop == "registrationNumber")
            .distinct()
        )
    )
    rng = random.Random(7)
    found = total = 0
    for plate, eid in rng.sample(rows, min(300, len(rows))):
        read, kind = misread(plate.replace(" ", ""), rng)
        if kind == "none":
            continue
        hits = search(store, conn, SearchQuery(text=read, limit=5), datasets=datasets).hits
        found += eid in {h.entity_id for h in hits}
        total += 1
    return found, total


def _pg_store(name: str) -> tuple[Store, str]:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    return open_store(Settings(database_url=url)), url


def _drop_pg(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def latency(
    engine: str, work: Path, n: int, qs: list[str], watchlist: int, existing: str | None = None
) -> dict[str, Any]:
    """Load ``n`` entities (or use ``existing``, a store loaded by an earlier run with the same
    ``n`` and migrated to head), then time searches through the API and in-process."""
    if existing:
        url, load_s = existing, 0.0
        store = open_store(Settings(database_url=url))
    elif engine == "sqlite":
        url = f"sqlite:///{work / 'scale.db'}"
        store = open_store(Settings(database_url=url))
    else:
        store, url = _pg_store("pasienis_bench_search")
    upgrade(store)
    if not existing:
        print(f"  {engine}: loading {n:,} entities", flush=True)
        load_s = load(store, n, progress=lambda d: print(f"    {d:,}", flush=True)
                      if d % 200_000 == 0 else None)  # fmt: skip
    if engine == "postgresql":
        with store.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    with store.begin() as conn:
        ensure_datasets(conn, DATASETS, classification="restricted")
        token = provision(conn, name=f"bench-{time.time_ns()}", roles=[Role.analyst],
                          datasets=list(DATASETS))  # fmt: skip
    engine_samples = _in_process(store, qs)
    result: dict[str, Any] = {
        "entities": n,
        "load_s": round(load_s, 1),
        "engine": percentiles(engine_samples),
    }
    env = {"PASIENIS_SEARCH_INDEX_INTERVAL_S": "0", "PASIENIS_WATCH_SCREEN_INTERVAL_S": "0"}
    server = LiveServer(data_dir=work, database_url=url, env=env)
    server.start(timeout=120)
    try:
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            for q in qs[:50]:
                client.get("/api/search", params={"q": q})
                client.get("/api/cases").raise_for_status()
            api, floor = [], []
            for q in qs:  # each search, then the floor: an audited trivial route, same loop
                api.extend(timed(lambda q: client.get("/api/search", params={"q": q})
                                 .raise_for_status(), [q]))  # fmt: skip
                floor.extend(timed(lambda _q: client.get("/api/cases").raise_for_status(), [q]))
        result["api"] = percentiles(api)
        result["audited_trivial_route"] = percentiles(floor)
        result["api_over_engine_p50"] = round(
            result["api"]["p50_ms"] / result["engine"]["p50_ms"], 2
        )
        if engine == "sqlite":
            result["live_plate_reads"] = _live_reads(store, server, watchlist)
    finally:
        server.stop()
        store.dispose()
        if engine == "postgresql" and not existing:
            _drop_pg("pasienis_bench_search")
    return result


def _in_process(store: Store, qs: list[str]) -> list[float]:
    with store.read() as conn:

        def run(q: str) -> None:
            search(store, conn, SearchQuery(text=q), datasets=DATASETS)

        for q in qs[:50]:
            run(q)
        return timed(run, qs)


def _watch_rows(count: int) -> list[dict[str, Any]]:
    stamp, rows = datetime.now(UTC), []
    for i, (eid, _ds, facts) in enumerate(synthetic(count, seed=99)):
        schema, _prop, _t, value = facts[0]
        vehicle = schema == "Vehicle"
        rows.append(
            {
                "id": f"we{i}",
                "list_id": "bench",
                "kind": "vehicle" if vehicle else "person",
                "name": None if vehicle else value,
                "identifiers": [{"type": "plate", "value": value}] if vehicle else [],
                "birth_date": None if vehicle else facts[1][3],
                "country": None,
                "reason": "bench",
                "owner": "bench",
                "priority": 2,
                "valid_from": None,
                "valid_to": None,
                "entity_id": None,
                "active": True,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        del eid
    return rows


def _live_reads(store: Store, server: LiveServer, watchlist: int) -> dict[str, Any]:
    rows = _watch_rows(watchlist)
    plates = [r["identifiers"][0]["value"] for r in rows if r["kind"] == "vehicle"]
    with store.begin() as conn:  # a store loaded by an earlier run may hold the list
        conn.execute(watch_entries.delete().where(watch_entries.c.list_id == "bench"))
        conn.execute(watch_lists.delete().where(watch_lists.c.id == "bench"))
        conn.execute(
            watch_lists.insert().values(
                id="bench",
                name="bench",
                dataset="border",
                owner="bench",
                created_at=datetime.now(UTC),
            )
        )
        for start in range(0, len(rows), 10_000):
            conn.execute(watch_entries.insert(), rows[start : start + 10_000])
        bump_generation(conn)
        source = f"cam-bench-{time.time_ns()}"
        secret = add_source(conn, source_id=source, name="bench", dataset="anpr")
    rng = random.Random(5)
    reads = [
        rng.choice(plates) if rng.random() < 0.1 else f"ZZ{rng.randrange(10**5):05d}"
        for _ in range(1000)
    ]
    with httpx.Client(base_url=server.url, auth=(source, secret), timeout=60) as client:

        def post(plate: str) -> None:
            body = {
                "plate": plate,
                "camera_id": "A1",
                "occurred_at": datetime.now(UTC).isoformat(),
                "lat": 54.6,
                "lon": 25.2,
                "read_id": f"{plate}-{time.perf_counter_ns()}",
            }
            client.post("/api/watch/plate-reads", json=body).raise_for_status()

        post("WARMUP1")  # the first read builds the screening index of this process
        samples = timed(post, reads)
    return {"watchlist": watchlist, "reads": len(reads), **percentiles(samples)}


def _entries(watchlist: int) -> list[Entry]:
    entries = []
    for r in _watch_rows(watchlist):
        ids = tuple((i["type"], i["value"]) for i in r["identifiers"])
        entries.append(
            Entry(id=r["id"], list_id="bench", dataset="border", kind=r["kind"], name=r["name"],
                  identifiers=ids, birth_date=r["birth_date"], country=None, reason="bench",
                  priority=2)
        )  # fmt: skip
    return entries


def _subjects(records: int) -> list[Subject]:
    subjects = []
    for eid, ds, facts in synthetic(records, seed=7):
        schema, _p, _t, value = facts[0]
        if schema == "Vehicle":
            subjects.append(Subject("entity", eid, ds, schema, plates=[value]))
        else:
            dob = {facts[1][3]} if schema == "Person" else set()
            subjects.append(Subject("entity", eid, ds, schema, names=[value], birth_dates=dob))
    return subjects


def throughput(watchlist: int, records: int, reference: int = 40) -> dict[str, Any]:
    """Screen ``records`` synthetic records against ``watchlist`` entries in-process.

    Reference in the same run: the rule itself applied entry by entry
    (:func:`pasienis.watch.rule.reference_screen`) on the first ``reference`` records, whose
    hits must equal the index's.
    """
    entries = _entries(watchlist)
    t = time.perf_counter()
    index = WatchIndex(entries, name_threshold=0.88)
    build_s = time.perf_counter() - t
    subjects = _subjects(records)
    day = date(2026, 10, 1)
    t = time.perf_counter()
    fast = [index.screen(s, today=day) for s in subjects]
    elapsed = time.perf_counter() - t
    t = time.perf_counter()
    slow = [reference_screen(entries, s, name_threshold=0.88, today=day)
            for s in subjects[:reference]]  # fmt: skip
    ref_rate = len(slow) / (time.perf_counter() - t)
    view = [[(h.entry.id, h.score) for h in hits] for hits in fast[:reference]]
    differ = sum(a != [(h.entry.id, h.score) for h in b] for a, b in zip(view, slow, strict=True))
    rate = records / elapsed
    return {
        "watchlist": watchlist,
        "records": records,
        "index_build_s": round(build_s, 2),
        "records_per_s": round(rate),
        "vs_target_5000": round(rate / 5000, 2),
        "alerts": sum(len(h) for h in fast),
        "reference_records_per_s": round(ref_rate, 1),
        "index_over_reference": round(rate / ref_rate),
        "reference_records": reference,
        "reference_hits_differ": differ,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--watchlist", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42, help="the quality scenario's seed")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--sqlite-url", help="an already loaded store (skips loading)")
    parser.add_argument("--pg-url", help="an already loaded store (skips loading)")
    args, _ = parser.parse_known_args()
    settings = Settings()
    install_model(settings)
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        work = Path(tmp)
        if not args.skip_quality:
            out = work / "scenario"
            generate(seed=args.seed, scale=args.scale, out=out)
            store = scenario_store(out, work)
            quality = screening_quality(out, store, threshold=settings.watch_name_threshold)
            print("screening quality:", json.dumps(quality), flush=True)
            print("search quality:", json.dumps(search_quality(out, store)), flush=True)
            store.dispose()
        if not args.skip_throughput:
            print(
                "screening throughput:", json.dumps(throughput(args.watchlist, 20_000)), flush=True
            )
        engines = [e for e in args.engines.split(",") if e]
        qs = queries(args.entities, args.queries) if engines else []
        for engine in engines:
            print(
                f"search latency {engine}:",
                json.dumps(
                    latency(
                        engine,
                        work,
                        args.entities,
                        qs,
                        args.watchlist,
                        existing=args.sqlite_url if engine == "sqlite" else args.pg_url,
                    )
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
