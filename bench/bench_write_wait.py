"""How long a server's small write waits while a large import writes the same SQLite file.

Usage: ``python bench/bench_write_wait.py [--rows 1000000] [--every-ms 50]``

The import's writer process holds SQLite's one write lock for groups of batches. Measured in
one run, each in processes of its own, on the crossings file of ``bench_ingest.py``:

* the reference: the import alone;
* the import again into a fresh store, while another process (a server's writer: a task, a
  position fix) writes one small transaction every ``--every-ms`` and records how long each
  ``BEGIN IMMEDIATE`` … ``COMMIT`` took.

Prints the writer's waits (median, p99, max, over the import) and the import's time against
the reference. No asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_ingest import MAPPING, generate


def _store(data_dir: Path):
    from pasienis.config import Settings
    from pasienis.model import install_model
    from pasienis.store import open_store, upgrade

    settings = Settings(data_dir=data_dir)
    install_model(settings)
    store = open_store(settings)
    upgrade(store)
    return settings, store


def worker_import(csv_path: Path, data_dir: Path) -> dict[str, float]:
    from pasienis.ingest import parse_mapping, run_import

    settings, store = _store(data_dir)
    (data_dir / "ready").touch()  # the small writer may start
    started = time.perf_counter()
    result = run_import(
        store, source=csv_path, mapping=parse_mapping(MAPPING, name="bench.yml"),
        batch_size=settings.ingest_batch_records, cache_entries=settings.ingest_cache_entries,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    (data_dir / "done").touch()
    return {"rows": result.run["records"], "seconds": seconds}


def worker_small(data_dir: Path, every_ms: float) -> dict[str, list[float]]:
    from sqlalchemy import text

    while not (data_dir / "ready").exists():
        time.sleep(0.01)
    _settings, store = _store(data_dir)
    with store.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_small (at REAL)"))
    waits, first = [], time.perf_counter()
    while not (data_dir / "done").exists():
        started = time.perf_counter()
        with store.begin() as conn:
            conn.execute(text("INSERT INTO bench_small (at) VALUES (:t)"), {"t": time.time()})
        waits.append((time.perf_counter() - started, started - first))
        time.sleep(every_ms / 1000)
    return {"waits": waits}


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True
    )


def _result(process: subprocess.Popen[str]) -> dict:
    out, _ = process.communicate()
    if process.returncode:
        raise SystemExit(f"a worker failed ({process.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--every-ms", type=float, default=50.0)
    parser.add_argument("--worker", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "import":
            print(json.dumps(worker_import(Path(rest[0]), Path(rest[1]))))
        else:
            print(json.dumps(worker_small(Path(rest[0]), float(rest[1]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        csv_path = base / "crossings.csv"
        generate(csv_path, args.rows)
        os.sync()
        alone = _result(_spawn("--worker", "import", str(csv_path), str(base / "alone")))
        os.sync()
        shared = base / "shared"
        shared.mkdir()
        small = _spawn("--worker", "small", str(shared), str(args.every_ms))
        both = _result(_spawn("--worker", "import", str(csv_path), str(shared)))
        timed = sorted(_result(small)["waits"], reverse=True)
    waits = sorted(w for w, _at in timed)
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
    print(f"import alone: {alone['rows']:,.0f} rows in {alone['seconds']:.1f} s (reference)")
    print(f"import with a small writer every {args.every_ms:g} ms: {both['seconds']:.1f} s "
          f"({both['seconds'] / alone['seconds']:.2f}x the reference)")  # fmt: skip
    print(f"small writer: {len(waits)} transactions during the import; wait median "
          f"{statistics.median(waits) * 1000:.1f} ms, p99 {p99 * 1000:.0f} ms, "
          f"max {waits[-1] * 1000:.0f} ms")  # fmt: skip
    longest = ", ".join(f"{w * 1000:.0f} ms at {at:.1f} s" for w, at in timed[:5])
    print(f"longest waits (time since the small writer began): {longest}")


if __name__ == "__main__":
    main()
