"""Ingest throughput: our mapping path vs FollowTheMoney's own CSV mapper, same file, same run.

Usage: ``python bench/bench_ingest.py [--rows 1000000] [--sizes 2000000,4000000]
[--population N] [--ftm-rows N]``

Generates a crossings CSV (persons + vehicles + crossings; people and vehicles recur, as at a
border), imports it with a pasienis mapping into a fresh embedded SQLite store, and maps the
same file with FtM (4 entities a row: Person, Passport, Vehicle, BorderCrossing) two ways:

* ``ftm map``, the command the issue names, run as a subprocess on the first ``--ftm-rows``
  rows (its defaults, which sign entity ids); its start-up (loading the model) is measured on
  a one-row file and subtracted, so its rate is its steady mapping rate;
* FtM's ``QueryMapping`` in-process writing JSON lines (no signing, no start-up): a stricter
  reference.

Each measurement runs in its own process so its peak RSS (``ru_maxrss``) is its own; ours also
prints the peak of its writer process. Prints rows/s, the ratios and peak memory per size.
No asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = "crossing_id,person_name,date_of_birth,nationality,document_number,vehicle_plate,checkpoint_code,direction,timestamp,lat,lon\n"
MAPPING = """
dataset: bench_crossings
source: {format: csv}
entities:
  checkpoint:
    schema: BorderCheckpoint
    key: [checkpoint_code]
    properties: {code: checkpoint_code, name: checkpoint_code}
  person:
    schema: Person
    key: [person_name, date_of_birth, document_number]
    properties: {name: person_name, birthDate: date_of_birth, nationality: nationality}
  document:
    schema: Passport
    key: [nationality, document_number]
    properties: {number: document_number, country: nationality, holder: {entity: person}}
  vehicle:
    schema: Vehicle
    key: [{column: vehicle_plate, transforms: [plate]}]
    properties: {registrationNumber: {column: vehicle_plate, transforms: [plate]}}
events:
  crossing:
    table: border_crossings
    key: [crossing_id]
    columns:
      occurred_at: timestamp
      lat: lat
      lon: lon
      checkpoint_id: {entity: checkpoint}
      direction: direction
      person_id: {entity: person}
      vehicle_id: {entity: vehicle}
      document_id: {entity: document}
"""
FTM_QUERY = {
    "entities": {
        "person": {"schema": "Person", "keys": ["person_name", "date_of_birth", "document_number"],
                   "properties": {"name": {"column": "person_name"}, "birthDate": {"column": "date_of_birth"},
                                  "nationality": {"column": "nationality"}}},
        "document": {"schema": "Passport", "keys": ["nationality", "document_number"],
                     "properties": {"number": {"column": "document_number"}, "country": {"column": "nationality"},
                                    "holder": {"entity": "person"}}},
        "vehicle": {"schema": "Vehicle", "keys": ["vehicle_plate"],
                    "properties": {"registrationNumber": {"column": "vehicle_plate"}}},
        "crossing": {"schema": "BorderCrossing", "keys": ["crossing_id"],
                     "properties": {"date": {"column": "timestamp"}, "person": {"entity": "person"},
                                    "vehicle": {"entity": "vehicle"}, "document": {"entity": "document"},
                                    "direction": {"column": "direction"}}},
    }
}  # fmt: skip


def generate(path: Path, rows: int, seed: int = 7, population: int = 0) -> None:
    """A crossings CSV: people and vehicles drawn from pools of ``population`` each (default a
    twentieth of the rows, so a larger file also brings more distinct people)."""
    rng = random.Random(seed)
    pool = population or max(rows // 20, 10)
    first = ["Jonas", "Tomas", "Dmitrii", "Asta", "Eglė", "Sergei", "Olga", "Piotr"]
    last = ["Kazlauskas", "Petrauskas", "Ivanov", "Novik", "Žukauskas", "Kowalski", "Volkova"]
    people = [
        (f"{rng.choice(first)} {rng.choice(last)} {i}", f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
         rng.choice(["LT", "BY", "RU", "PL"]), f"{rng.randint(10**7, 10**8 - 1)}")
        for i in range(pool)
    ]  # fmt: skip
    plates = [
        f"{''.join(rng.choice('ABCDEFGHJKLMNPRSTUVZ') for _ in range(3))} {rng.randint(100, 999)}"
        for _ in range(pool)
    ]
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(rows):
            name, dob, nat, doc = people[rng.randrange(pool)]
            # Every crossing at its own second (two seconds apart), as in real records.
            t = 2 * i
            stamp = f"2026-09-{1 + t // 86400 % 28:02d}T{t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}"
            out.write(
                f"X{i:08d},{name},{dob},{nat},{doc},{plates[rng.randrange(pool)]},MED,"
                f"{'entry' if i % 2 else 'exit'},{stamp}+03:00,54.4,25.7\n"
            )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu(who: int) -> float:
    """CPU seconds (user + system) of this process or of its finished children: on a shared
    machine the wall time measures the other processes too, the CPU time what ran here."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def worker_ours(csv_path: Path, data_dir: Path) -> dict[str, float]:
    from pasienis.config import Settings
    from pasienis.ingest import parse_mapping, run_import
    from pasienis.model import install_model
    from pasienis.store import open_store, upgrade

    settings = Settings(data_dir=data_dir)
    install_model(settings)
    store = open_store(settings)
    upgrade(store)
    mapping = parse_mapping(MAPPING, name="bench.yml")
    started = time.perf_counter()
    cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
    result = run_import(
        store, source=csv_path, mapping=mapping, batch_size=settings.ingest_batch_records,
        cache_entries=settings.ingest_cache_entries,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu  # + the writer
    run = result.run
    writer_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rows": run["records"], "seconds": seconds, "statements": run["statements"],
            "events": run["events"], "peak_mb": _peak_mb(), "writer_mb": writer_mb,
            "cpu": cpu}  # fmt: skip


def worker_ftm(csv_path: Path, out_path: Path, limit: int) -> dict[str, float]:
    import csv

    from followthemoney.model import Model

    from pasienis.config import Settings
    from pasienis.model import install_model

    install_model(Settings(data_dir=out_path.parent / "ftm-model"))  # the customs schemata
    query = {"csv_url": csv_path.resolve().as_uri(), **FTM_QUERY}
    mapping = Model.instance().make_mapping(query)
    rows = 0
    started = time.perf_counter()
    with csv_path.open(encoding="utf-8") as handle, out_path.open("w", encoding="utf-8") as out:
        for record in csv.DictReader(handle):
            for entity in mapping.map(record).values():
                out.write(json.dumps(entity.to_dict()) + "\n")
            rows += 1
            if rows >= limit:
                break
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "peak_mb": _peak_mb()}


def worker_ftm_cli(csv_path: Path, out_path: Path, limit: int) -> dict[str, float]:
    """``ftm map`` on the first ``limit`` rows, minus its start-up on a one-row file."""

    import yaml

    from pasienis.config import Settings
    from pasienis.model import install_model

    folder = install_model(Settings(data_dir=out_path.parent / "ftm-model"))
    env = {**os.environ, "FTM_MODEL_PATH": str(folder)}
    ftm = str(Path(sys.executable).with_name("ftm"))

    def run(rows: int) -> tuple[float, float]:
        head = out_path.parent / f"head_{rows}.csv"
        with csv_path.open(encoding="utf-8") as src, head.open("w", encoding="utf-8") as dst:
            for _ in range(rows + 1):
                dst.write(src.readline())
        query = {"csv_url": head.resolve().as_uri(), **FTM_QUERY}
        mapping = out_path.parent / f"map_{rows}.yml"
        mapping.write_text(yaml.safe_dump({"bench": {"queries": [query]}}), encoding="utf-8")
        started, cpu = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
        subprocess.run(  # noqa: S603 - the venv's ftm, our files
            [ftm, "map", str(mapping), "-o", str(out_path)], check=True, env=env,
            capture_output=True,
        )  # fmt: skip
        return time.perf_counter() - started, _cpu(resource.RUSAGE_CHILDREN) - cpu

    startup, startup_cpu = min(run(1) for _ in range(3))
    total, total_cpu = run(limit)
    lines = sum(1 for _ in out_path.open(encoding="utf-8"))
    return {"rows": limit, "seconds": total - startup, "startup": startup, "entities": lines,
            "cpu": total_cpu - startup_cpu}  # fmt: skip


def _child(*args: str) -> dict[str, float]:
    """One measurement in a process of its own, after the files written before it (the
    generated CSV, the previous store) are on disk: their write-back must not land in the
    next measurement's fsyncs."""
    os.sync()
    done = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the compared file")
    parser.add_argument("--sizes", default="", help="extra sizes for the memory check, e.g. 250000")
    parser.add_argument("--ftm-rows", type=int, default=200_000, help="FtM's rows (0: all)")
    parser.add_argument(
        "--population", type=int, default=0, help="people and vehicles (0: a twentieth of rows)"
    )
    parser.add_argument("--worker", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        workers = {"ours": worker_ours, "ftm": worker_ftm, "ftm-cli": worker_ftm_cli}
        extra = [int(rest[2])] if kind != "ours" else []
        print(json.dumps(workers[kind](Path(rest[0]), Path(rest[1]), *extra)))
        return
    sizes = sorted({args.rows, *(int(s) for s in args.sizes.split(",") if s)})
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        ours: dict[int, dict[str, float]] = {}
        for size in sizes:
            csv_path = base / f"crossings_{size}.csv"
            generate(csv_path, size, population=args.population)
            ours[size] = _child("--worker", "ours", str(csv_path), str(base / f"data_{size}"))
            r = ours[size]
            print(f"pasienis  {size:>9,} rows: {r['rows'] / r['seconds']:>9,.0f} rows/s "
                  f"({r['seconds']:.1f} s, {r['cpu']:.1f} CPU s, {r['statements']:,.0f} statements, {r['events']:,.0f} events), "
                  f"peak RSS {r['peak_mb']:.0f} MB + writer process {r['writer_mb']:.0f} MB")  # fmt: skip
            if size != args.rows:
                csv_path.unlink()
        csv_path = base / f"crossings_{args.rows}.csv"
        limit = min(args.ftm_rows or args.rows, args.rows)
        cli = _child("--worker", "ftm-cli", str(csv_path), str(base / "ftm-cli.json"), str(limit))
        cli_rate = cli["rows"] / cli["seconds"]
        print(f"ftm map   {cli['rows']:>9,} rows: {cli_rate:>9,.0f} rows/s "
              f"({cli['seconds']:.1f} s, {cli['cpu']:.1f} CPU s, after {cli['startup']:.1f} s start-up; "
              f"{cli['entities']:,.0f} entities to a JSON-lines file)")  # fmt: skip
        api = _child("--worker", "ftm", str(csv_path), str(base / "ftm.json"), str(limit))
        api_rate = api["rows"] / api["seconds"]
        print(f"FtM QueryMapping in-process {api['rows']:>9,} rows: {api_rate:>9,.0f} rows/s "
              f"({api['seconds']:.1f} s, JSON lines, no signing), peak RSS {api['peak_mb']:.0f} MB")  # fmt: skip
        mine = ours[args.rows]
        rate = mine["rows"] / mine["seconds"]
        cpu_ratio = (mine["rows"] / mine["cpu"]) / (cli["rows"] / cli["cpu"])
        print(
            f"ratio pasienis / ftm map: {rate / cli_rate:.1f}x (target >= 10x); "
            f"pasienis / in-process QueryMapping: {rate / api_rate:.1f}x; "
            f"per CPU second (both processes of ours) / ftm map: {cpu_ratio:.1f}x"
        )


if __name__ == "__main__":
    main()
