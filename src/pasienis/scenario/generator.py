"""Orchestration of the scenario: build the hidden world once, then render every source.

Why one entry point: determinism. All randomness flows from a single ``random.Random(seed)``
and a single ``numpy.random.default_rng(seed)`` in a fixed order, and nothing reads the clock,
so the same (seed, scale) always yields byte-identical files.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pasienis.scenario.cotravel import plan_runs
from pasienis.scenario.crossings import write_crossings
from pasienis.scenario.declarations import write_declarations
from pasienis.scenario.history import write_history
from pasienis.scenario.platereads import write_cameras, write_plate_reads
from pasienis.scenario.register import write_companies
from pasienis.scenario.reports import write_reports
from pasienis.scenario.roads import build_network, write_osm
from pasienis.scenario.summary import ScenarioSummary
from pasienis.scenario.truth import Truth
from pasienis.scenario.violations import write_violations
from pasienis.scenario.watchlist import write_watchlist
from pasienis.scenario.world import build_world

Progress = Callable[[str, int, int], None]
STAGES = (
    "world",
    "roads.osm",
    "cameras.csv",
    "crossings.csv",
    "plate_reads.csv",
    "companies.xlsx",
    "declarations.xml",
    "violations.csv",
    "reports",
    "watchlist.jsonl",
    "declarations_history.csv",
    "truth.json",
)


def generate(
    seed: int = 42,
    scale: float = 1.0,
    out: Path | str = "scenario",
    progress: Progress | None = None,
) -> ScenarioSummary:
    """Generate the scenario into ``out`` (created if missing) and return a summary.

    Args:
        seed: Seed for every random choice; same seed and scale give identical bytes.
        scale: 1.0 is the small demo (~10k plate reads); plate reads and crossings grow
            linearly, people/companies/declarations/reports with sqrt(scale).
        out: Output directory.
        progress: Optional ``progress(stage, done, total)`` callback for progress bars.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)  # noqa: S311 - simulation, not cryptography
    gen = np.random.default_rng(seed)
    truth = Truth(seed=seed, scale=scale)
    summary = ScenarioSummary(seed=seed, scale=scale, out=str(out_dir))
    total = len(STAGES)

    def step(i: int, stage: str, count: int | None = None) -> None:
        if count is not None:
            summary.counts[stage] = count
        if progress is not None:
            progress(stage, i + 1, total)

    world = build_world(rng, scale)
    net = build_network()
    runs = plan_runs(rng, world, net)
    step(0, "world")
    step(1, "roads.osm", write_osm(net, out_dir / "roads.osm"))
    step(2, "cameras.csv", write_cameras(out_dir / "cameras.csv", net))
    step(
        3,
        "crossings.csv",
        write_crossings(out_dir / "crossings.csv", rng, world, runs, scale, truth),
    )
    step(
        4,
        "plate_reads.csv",
        write_plate_reads(out_dir / "plate_reads.csv", rng, gen, world, net, runs, scale, truth),
    )
    step(5, "companies.xlsx", write_companies(out_dir / "companies.xlsx", rng, world, truth))
    step(6, "declarations.xml", write_declarations(out_dir, rng, world, scale, truth))
    step(
        7, "violations.csv", write_violations(out_dir / "violations.csv", rng, world, scale, truth)
    )
    step(8, "reports", write_reports(out_dir, rng, world, scale, truth))
    # Last, so each entry's "appears_as" lists the names used in every other source.
    step(9, "watchlist.jsonl", write_watchlist(out_dir / "watchlist.jsonl", rng, world, truth))
    step(10, "declarations_history.csv", write_history(out_dir, seed, world, scale, truth))
    truth.networks = [_network_truth(n) for n in world.networks]
    truth.write(out_dir / "truth.json")
    step(11, "truth.json", len(truth.identity))
    summary.files = sorted(
        p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()
    )
    return summary


def _network_truth(net: object) -> dict[str, object]:
    from pasienis.scenario.world import Network

    assert isinstance(net, Network)
    return {
        "id": net.nid,
        "shape": net.shape,
        "persons": net.persons,
        "edges": [list(e) for e in net.edges],
        "vehicles": net.vehicles,
        "companies": net.companies,
        "phones": net.phones,
        "addresses": net.addresses,
        "corridor": net.corridor,
    }
