"""Benchmark: violation analyses at scale, and their quality against the scenario's truth.

Speed over 1,000,000 synthetic violations (corridors + background, like the scenario):
H3 binning, Gi* with FDR on the study area's cells (reference in the same run: PySAL esda's
``G_Local(star=True)`` on the same counts and weights), and KDE by FFT (reference: the bare
``numpy.histogram2d`` of the same grid, the floor any grid KDE pays). Quality: the scenario's
planted corridors (truth.json) — Gi* precision/recall, emerging-trend recovery, and the
Predictive Accuracy Index against naive baselines.

Run: ``python bench/bench_violations.py [--points 1000000] [--scale 1]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
import warnings
from datetime import datetime
from pathlib import Path

import esda
import libpysal
import numpy as np

from pasienis.scenario import generate
from pasienis.violations import (
    Filters,
    emerging_hot_spots,
    gi_star,
    hot_spots,
    kernel_density,
    make_points,
    month_slices,
    neighbour_matrix,
    study_area,
)
from pasienis.violations.forecast import evaluate_points
from pasienis.violations.grid import bin_points
from pasienis.violations.truth import hot_spot_scores, trend_recovery


def _synthetic(n: int, seed: int = 1):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    corridor = int(n * 0.85)
    centres = np.array(
        [[54.28, 25.18], [54.0, 24.17], [55.08, 26.18], [54.6, 25.53], [54.79, 22.79]]
    )
    which = rng.integers(0, len(centres), corridor)
    lat = np.r_[
        centres[which, 0] + rng.normal(0, 0.03, corridor), rng.uniform(54.0, 56.2, n - corridor)
    ]
    lon = np.r_[
        centres[which, 1] + rng.normal(0, 0.06, corridor), rng.uniform(21.5, 26.0, n - corridor)
    ]
    t = rng.uniform(1.76e9, 1.76e9 + 365 * 86400, n)
    return make_points(lat, lon, t)


def _timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {elapsed:8.2f} s")
    return value, elapsed


def speed(n: int) -> None:
    print(f"speed over {n:,} violations")
    points = _synthetic(n)
    cells, t_bin = _timed("H3 binning (resolution 7)", lambda: bin_points(points, 7))
    area, t_area = _timed(
        "study area (Lithuania's cells + any with a point)",
        lambda: study_area(points, 7, point_cells=cells),
    )
    weights, t_w = _timed("neighbour weights (1 ring + self)", lambda: neighbour_matrix(area))
    counts = area.counts()
    _, t_gi = _timed(
        f"Gi* + FDR on {area.size:,} cells (ours)", lambda: hot_spots(points, res=7, area=area)
    )
    w = libpysal.weights.WSP(weights - _diag(weights)).to_W(silence_warnings=True)
    _, t_esda = _timed(
        "esda G_Local(star=True) on the same cells",
        lambda: esda.G_Local(counts, w, transform="B", star=True, permutations=0),
    )
    ours = gi_star(counts, weights)
    ref = esda.G_Local(counts, w, transform="B", star=True, permutations=0).Zs
    print(f"  Gi* equal to esda: max |dz| = {np.max(np.abs(ours - ref)):.2e}")
    total_gi = t_bin + t_area + t_w + t_gi
    print(f"  Gi* end to end (binning, area, weights, statistic): {total_gi:.2f} s (target < 10 s)")
    print(f"  statistic alone: ours {t_gi:.3f} s vs esda {t_esda:.3f} s -> {t_esda / t_gi:.1f}x")
    _, t_kde = _timed(
        "KDE, bandwidth 2 km, 500 m grid (FFT)",
        lambda: kernel_density(points, bandwidth_m=2000, cell_m=500),
    )
    density = kernel_density(points, bandwidth_m=2000, cell_m=500)
    rows, cols = density.values.shape
    _, t_hist = _timed(
        f"reference: histogram2d of the same {rows}x{cols} grid",
        lambda: np.histogram2d(points.lat, points.lon, bins=(rows, cols)),
    )
    print(f"  KDE: {t_kde:.2f} s (target < 10 s), {t_kde / t_hist:.2f}x the bare histogram")


def _diag(matrix):  # type: ignore[no-untyped-def]
    import scipy.sparse as sp

    return sp.diags(matrix.diagonal())


def quality(scale: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        generate(seed=7, scale=scale, out=out)
        truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
        with (out / "violations.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    times = [datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp() for r in rows]
    points = make_points([float(r["lat"]) for r in rows], [float(r["lon"]) for r in rows], times)
    print(f"quality on the scenario (seed 7, scale {scale}, {len(points):,} violations)")
    spots = hot_spots(points, res=7)
    scores = hot_spot_scores(
        set(spots.hot_cells(0.95)), spots.area.cells, truth["violation_corridors"]
    )
    print(
        "  Gi* hot cells (95 %, FDR) vs planted corridors: "
        f"precision {scores['precision']:.3f}, recall {scores['recall']:.3f} "
        f"({int(scores['hot_cells'])} hot, {int(scores['core_cells'])} core cells)"
    )
    slices = month_slices(points, Filters())
    result = emerging_hot_spots(points, slices=slices, res=7)
    recovered = trend_recovery(
        dict(zip(result.area.cells, result.category.tolist(), strict=True)),
        result.area.cells,
        truth["violation_corridors"],
    )
    trend = {c["name"]: c["trend"] for c in truth["violation_corridors"]}
    for name, share in recovered.items():
        print(
            f"  emerging hot spots, {trend[name]:<10} corridor {name:<26} "
            f"{share:.3f} of its cells in the right category"
        )
    print("  forecast: train months 1-9, predict 10-12, H3 resolution 8 (~0.7 km² cells)")
    methods = evaluate_points(points, split=slices[9][0], until=slices[-1][1], res=8)
    for m in methods:
        shares = "  ".join(
            f"{s:.0%}: hit {m['hit_rate'][s]:.3f} PAI {m['pai'][s]:6.2f}" for s in m["pai"]
        )
        print(f"  {m['method']:<26} {shares}")
    ratio = methods[0]["pai"][0.05] / methods[1]["pai"][0.05]
    print(f"  PAI at 5 % vs the last-period baseline: {ratio:.2f}x (target >= 1.3x)")


def main() -> None:
    warnings.filterwarnings("ignore", message="The weights matrix is not fully connected")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--scale", type=float, default=1.0)
    args, _ = parser.parse_known_args()
    speed(args.points)
    quality(args.scale)


if __name__ == "__main__":
    main()
