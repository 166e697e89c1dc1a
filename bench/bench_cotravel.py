"""Benchmark: co-travel detection over 10,000,000 plate reads (wall time, peak memory).

Generates the scenario at scale 1000 (about 10M plate reads, the generator's own traffic
model), loads ``plate_reads.csv`` (with ``--crossings`` also the vehicle crossings of
``crossings.csv``, as reads at camera ``checkpoint:<code>`` the way
:func:`pasienis.graph.cotravel_run.load_reads` takes them) into arrays with DuckDB, and
runs :func:`pasienis.graph.cotravel.detect` (streaming in time chunks). The reference
measured in the same run is a plain ``np.lexsort`` of the reads by (camera, time), the one
sort any co-occurrence method needs.
Also prints precision@k against the planted convoys.

Run: ``python bench/bench_cotravel.py [--scale 1000] [--scenario DIR] [--crossings]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate_reads(seed: int, scale: float):
    """Plate reads of the scenario's traffic model at ``scale`` as arrays, without writing
    files or the other sources (the CLI's generator takes most of an hour at scale 1000 on
    a loaded machine): the same world, road network, background traffic, planted convoy
    runs and ANPR misreads as ``pasienis.scenario.platereads.write_plate_reads`` (the random
    streams differ from the CLI's, which draws the crossings first). Returns the reads and
    the planted (scout, cargo) plates."""
    import random

    from pasienis.graph.cotravel import Reads
    from pasienis.scenario.cotravel import plan_runs
    from pasienis.scenario.crossings import EPOCH
    from pasienis.scenario.platereads import (
        MISREAD_RATE,
        WINDOW_S,
        _background,
        _fleet,
        _planted,
        misread,
        normalise,
    )
    from pasienis.scenario.platereads import READS_PER_SCALE as PER
    from pasienis.scenario.roads import build_network
    from pasienis.scenario.world import build_world

    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    world = build_world(rng, scale)
    net = build_network()
    runs = plan_runs(rng, world, net)
    plates, _countries = _fleet(rng, world, scale)
    cam, veh, t = _background(gen, net, int(PER * scale), len(plates))
    planted = _planted(net, runs, world)
    n_bg = len(t)
    cam, veh, t = (np.concatenate([a, b]) for a, b in zip((cam, veh, t), planted, strict=True))
    is_planted = np.arange(len(t)) >= n_bg
    keep = t < WINDOW_S
    cam, veh, t, is_planted = cam[keep], veh[keep], t[keep], is_planted[keep]
    plate = np.array(plates, dtype=object)[veh]
    for i in np.flatnonzero((gen.random(len(t)) < MISREAD_RATE) & ~is_planted).tolist():
        plate[i] = misread(plate[i], rng)[0]
    pairs = {(normalise(world.vehicle(r.scout).plate), normalise(world.vehicle(r.cargo).plate))
             for r in runs}  # fmt: skip
    return Reads(cam.astype(np.int64), t.astype(np.int64) + int(EPOCH.timestamp()), plate), pairs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1000)
    parser.add_argument("--scenario")
    parser.add_argument(
        "--crossings",
        action="store_true",
        help="add the vehicle crossings as reads at their checkpoint",
    )
    parser.add_argument("--chunk-reads", type=int, default=1_000_000)
    parser.add_argument(
        "--reads-only",
        action="store_true",
        help="generate only the plate reads, in memory (no files)",
    )
    args, _ = parser.parse_known_args()
    import duckdb

    from pasienis.graph.cotravel import Reads

    if args.reads_only:
        t = time.perf_counter()
        reads, planted = generate_reads(42, args.scale)
        print(f"{len(reads.time):,} plate reads of the scenario model at scale {args.scale:g} "
              f"generated in {time.perf_counter() - t:.0f} s (reads only); "
              f"peak RSS {_peak_mb():,.0f} MiB")  # fmt: skip
        run(reads, planted, args)
        return
    folder = Path(args.scenario) if args.scenario else None
    if folder is None:
        from pasienis.scenario import generate

        folder = Path(tempfile.mkdtemp(prefix="bench-cotravel-")) / "scenario"
        t = time.perf_counter()
        generate(42, args.scale, folder)
        print(f"scenario scale {args.scale:g} generated in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    con = duckdb.connect()
    cols = con.execute(
        "SELECT camera_id, epoch(CAST(timestamp AS TIMESTAMP))::BIGINT AS t, plate "
        f"FROM read_csv('{folder / 'plate_reads.csv'}', header = true)"
    ).fetchnumpy()
    n_plate_reads = len(cols["t"])
    if args.crossings:
        crossed = con.execute(
            "SELECT 'checkpoint:' || checkpoint_code AS camera_id, "
            "epoch(CAST(timestamp AS TIMESTAMPTZ))::BIGINT AS t, vehicle_plate AS plate "
            f"FROM read_csv('{folder / 'crossings.csv'}', header = true, all_varchar = true) "
            "WHERE vehicle_plate IS NOT NULL AND vehicle_plate <> ''"
        ).fetchnumpy()
        # The crossings mapping stores the normalised plate (transform ``plate``), as here.
        from pasienis.model.plates import normalise_plate

        spelled = {v: normalise_plate(v) for v in set(crossed["plate"].tolist())}
        crossed["plate"] = np.array([spelled[v] for v in crossed["plate"].tolist()], object)
        cols = {k: np.concatenate([np.asarray(cols[k]), np.asarray(crossed[k])]) for k in cols}
    con.close()
    _names, cam = np.unique(np.asarray(cols["camera_id"], dtype=str), return_inverse=True)
    reads = Reads(cam.astype(np.int64), cols["t"].astype(np.int64),
                  np.asarray(cols["plate"], dtype=object))  # fmt: skip
    del cols
    print(f"{n_plate_reads:,} plate reads + {len(reads.time) - n_plate_reads:,} crossings")
    print(f"{len(reads.time):,} reads loaded in {time.perf_counter() - t:.1f} s; "
          f"peak RSS {_peak_mb():,.0f} MiB")  # fmt: skip
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    run(reads, {(c["scout_plate"], c["cargo_plate"]) for c in truth["co_travel"]}, args)


def run(reads, planted: set[tuple[str, str]], args: argparse.Namespace) -> None:
    from pasienis.graph.cotravel import CoTravelParams, detect

    t = time.perf_counter()
    np.lexsort((reads.time, reads.camera))
    ref = time.perf_counter() - t
    before = _peak_mb()
    t, cpu = time.perf_counter(), time.process_time()
    pairs = detect(reads, CoTravelParams(chunk_reads=args.chunk_reads))
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"(peak RSS before detection {before:,.0f} MiB; detection CPU {cpu:.1f} s)")
    k = len(planted)
    hits = sum((p.leader, p.follower) in planted for p in pairs[:k])
    print(f"co-travel detect: {wall:.1f} s wall, peak RSS {_peak_mb():,.0f} MiB; "
          f"reference lexsort {ref:.1f} s (detect = {wall / ref:.1f}x the sort); "
          f"precision@{k} = {hits / k:.2f}")  # fmt: skip
    for p in pairs[: k + 3]:
        mark = "planted" if (p.leader, p.follower) in planted else ""
        print(f"   {p.score:7.2f} {p.leader:>10} -> {p.follower:<10} occasions={p.occasions} "
              f"co-passages={p.co_passages} {mark}")  # fmt: skip
    ranks = {(p.leader, p.follower): i + 1 for i, p in enumerate(pairs)}
    chance = next((p for p in pairs if (p.leader, p.follower) not in planted), None)
    print("planted ranks: " + ", ".join(
        f"{a}->{b} {ranks.get((a, b), f'>{len(pairs)}')}" for a, b in sorted(planted))
        + (f"; best chance pair {chance.score:.2f} ({chance.occasions} occasions)" if chance
           else ""))  # fmt: skip


if __name__ == "__main__":
    main()
