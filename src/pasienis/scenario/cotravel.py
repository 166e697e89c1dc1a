"""Planted co-travelling vehicle pairs: a scout car minutes ahead of a loaded truck.

Why: "convoy" detection is a classic ANPR analytic. The pairs are planned once here so that
plate reads, border crossings and truth.json all describe the same runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pasienis.scenario.roads import RoadNetwork
from pasienis.scenario.world import World

# Corridor checkpoint -> road that starts (in driving direction) at that checkpoint.
CORRIDOR_ROADS = {"MED": "A3", "SAL": "A15", "KYB": "A7", "RAI": "A4", "PAN": "A12"}
WINDOW_DAYS = 60


@dataclass(frozen=True, slots=True)
class Pass:
    """One camera passage of both vehicles (seconds since the scenario epoch)."""

    camera_id: str
    scout_s: int
    cargo_s: int


@dataclass(frozen=True, slots=True)
class Run:
    """One convoy trip from a border checkpoint inland along ``road``."""

    network: str
    checkpoint: str
    road: str
    scout: str  # vehicle id
    cargo: str
    cross_s: int  # scout's border-crossing time; the truck crosses ``gap_s`` later
    gap_s: int
    passes: tuple[Pass, ...]


def plan_runs(rng: random.Random, world: World, net: RoadNetwork) -> list[Run]:
    """Four night-time runs for each of the first four networks."""
    runs: list[Run] = []
    for network in world.networks[:4]:
        scout = next(v for v in network.vehicles if world.vehicle(v).kind == "car")
        cargo = next(v for v in network.vehicles if world.vehicle(v).kind == "truck")
        road = net.road(CORRIDOR_ROADS[network.corridor])
        cams = sorted((c for c in net.cameras if c.road == road.key), key=lambda c: -c.km)
        for _ in range(4):
            day = rng.randrange(1, WINDOW_DAYS - 1)
            cross = day * 86400 + rng.choice((20, 21, 22, 23, 0, 1, 2)) * 3600
            cross += rng.randrange(3600)
            gap = rng.randrange(240, 720)  # 4-12 minutes behind
            speed = rng.uniform(70.0, 82.0)  # km/h, truck-limited
            passes = []
            for cam in cams:
                travel = (road.length_km - cam.km) / speed * 3600 + 600  # 10 min at the post
                jitter = rng.randrange(-20, 21)
                passes.append(
                    Pass(cam.camera_id, int(cross + travel), int(cross + gap + travel + jitter))
                )
            runs.append(
                Run(
                    network.nid, network.corridor, road.key, scout, cargo, cross, gap, tuple(passes)
                )
            )
    return runs
