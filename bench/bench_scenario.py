"""Benchmark: plate-read generation speed at scale 100 (~1M rows) against a bare csv.writer.

Run: ``PYTHONPATH=src python bench/bench_scenario.py [scale]``. Prints numbers only; the
reference writes the same number of constant rows with csv.writer in the same process, so
the ratio is comparable across machines.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pasienis.scenario.cotravel import plan_runs
from pasienis.scenario.platereads import write_plate_reads
from pasienis.scenario.roads import build_network
from pasienis.scenario.truth import Truth
from pasienis.scenario.world import build_world


def bench_plate_reads(scale: float, folder: Path) -> tuple[int, float]:
    """Generate plate_reads.csv only; returns (rows, seconds)."""
    rng = random.Random(42)
    gen = np.random.default_rng(42)
    world = build_world(rng, scale)
    net = build_network()
    runs = plan_runs(rng, world, net)
    start = time.perf_counter()
    rows = write_plate_reads(
        folder / "plate_reads.csv", rng, gen, world, net, runs, scale, Truth(42, scale)
    )
    return rows, time.perf_counter() - start


def bench_reference(rows: int, folder: Path) -> float:
    """Write ``rows`` constant rows of the same shape with a bare csv.writer."""
    row = (
        "R000000001",
        "CAM-A1-01",
        "54.734741",
        "25.015686",
        "ABC123",
        "LT",
        "2026-09-01T00:02:09Z",
        0.886,
    )
    start = time.perf_counter()
    with (folder / "reference.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        for _ in range(0, rows, 100_000):
            w.writerows([row] * min(100_000, rows))
    return time.perf_counter() - start


def main() -> None:
    """Print rows/s for the generator and the reference, and their ratio."""
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 100.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows, gen_s = bench_plate_reads(scale, folder)
        ref_s = bench_reference(rows, folder)
    print(f"scale {scale:g}: {rows} plate reads in {gen_s:.2f} s = {rows / gen_s:,.0f} rows/s")
    print(f"reference csv.writer constant rows: {rows / ref_s:,.0f} rows/s ({ref_s:.2f} s)")
    print(f"generator / reference time ratio: {gen_s / ref_s:.2f}")


if __name__ == "__main__":
    main()
