"""cameras.csv and plate_reads.csv: ANPR camera feed on the trunk roads (vectorised).

Why numpy: at scale 100 the feed has a million rows. Trips are generated per road as
(trips x cameras) matrices, so a read's timestamp is exactly start time + distance / speed
along the road, which keeps travel times physically consistent for downstream analytics.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np

from pasienis.scenario.cotravel import Run
from pasienis.scenario.plates import make_plate, misread, normalise
from pasienis.scenario.roads import Camera, Road, RoadNetwork
from pasienis.scenario.truth import Truth
from pasienis.scenario.world import World

READS_PER_SCALE = 10_000
WINDOW_S = 60 * 86400
DETECTION_RATE = 0.93
MISREAD_RATE = 0.03
EPOCH64 = np.datetime64("2026-09-01T00:00:00", "s")
COLUMNS = (
    "read_id",
    "camera_id",
    "camera_lat",
    "camera_lon",
    "plate",
    "country_guess",
    "timestamp",
    "confidence",
)
# Hourly traffic profile (local time ~ UTC+3): quiet nights, morning and evening peaks.
_HOURLY = np.array(
    [1, 0.6, 0.5, 0.5, 0.8, 1.5, 3, 5, 6, 5, 4.5, 4.5, 4.5, 4.5, 5, 5.5, 6, 6, 5, 4, 3, 2.5, 2, 1.5]
)
_BACKGROUND_COUNTRIES = ("LT", "LT", "LT", "LT", "LV", "PL", "PL", "BY", "RU", "UA", "DE")


def write_cameras(path: Path, net: RoadNetwork) -> int:
    """cameras.csv: id, name, road, position and the road axis the camera covers."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(("camera_id", "name", "road", "lat", "lon", "direction"))
        for c in net.cameras:
            w.writerow((c.camera_id, c.name, c.road, f"{c.lat:.6f}", f"{c.lon:.6f}", c.direction))
    return len(net.cameras)


def _fleet(rng: random.Random, world: World, scale: float) -> tuple[list[str], list[str]]:
    """Normalised plates and countries: the world's vehicles plus anonymous background traffic."""
    plates = [normalise(v.plate) for v in world.vehicles]
    countries = [v.country for v in world.vehicles]
    for _ in range(int(3000 * max(scale, 0.01) ** 0.7)):
        c = rng.choice(_BACKGROUND_COUNTRIES)
        plates.append(normalise(make_plate(rng, c)))
        countries.append(c)
    return plates, countries


def _start_times(gen: np.random.Generator, n: int) -> np.ndarray:
    """Trip start times (s since epoch) following the hourly profile (UTC = local - 3 h)."""
    local_hour = gen.choice(24, size=n, p=_HOURLY / _HOURLY.sum())
    utc_hour = (local_hour - 3) % 24
    day = gen.integers(0, 60, size=n)
    return day * 86400 + utc_hour * 3600 + gen.integers(0, 3600, size=n)


def _road_trips(
    gen: np.random.Generator, road: Road, cams: list[Camera], n: int, n_vehicles: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reads for ``n`` trips on one road: (camera index, vehicle index, time in seconds)."""
    km = np.array([c.km for c in cams])
    a = gen.uniform(0, road.length_km, n)
    b = gen.uniform(0, road.length_km, n)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    speed = np.where(gen.random(n) < 0.3, gen.uniform(65, 88, n), gen.uniform(75, 128, n))
    t0 = _start_times(gen, n)
    vehicle = (gen.pareto(1.2, n) * n_vehicles / 20).astype(np.int64) % n_vehicles
    inside = (km[None, :] >= lo[:, None]) & (km[None, :] <= hi[:, None])
    seen = inside & (gen.random((n, len(km))) < DETECTION_RATE)
    trip, cam = np.nonzero(seen)
    t = t0[trip] + np.abs(km[cam] - a[trip]) / speed[trip] * 3600.0
    return cam, vehicle[trip], t.astype(np.int64)


def _background(
    gen: np.random.Generator, net: RoadNetwork, n_reads: int, n_vehicles: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Background traffic on all roads; motorways twice as busy per km."""
    cam_index = {c.camera_id: i for i, c in enumerate(net.cameras)}
    weights = np.array([r.length_km * (2.0 if r.highway == "motorway" else 1.0) for r in net.roads])
    share = weights / weights.sum()
    parts = []
    for road, s in zip(net.roads, share, strict=True):
        cams = [c for c in net.cameras if c.road == road.key]
        expected_per_trip = len(cams) / 3.0 * DETECTION_RATE  # E[|a-b|]/L = 1/3
        n = round(n_reads * s / expected_per_trip)
        cam, veh, t = _road_trips(gen, road, cams, n, n_vehicles)
        parts.append(
            (np.array([cam_index[cams[i].camera_id] for i in range(len(cams))])[cam], veh, t)
        )
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]


def write_plate_reads(
    path: Path,
    rng: random.Random,
    gen: np.random.Generator,
    world: World,
    net: RoadNetwork,
    runs: list[Run],
    scale: float,
    truth: Truth,
) -> int:
    """Generate and write plate_reads.csv; returns the number of rows."""
    plates, countries = _fleet(rng, world, scale)
    cam, veh, t = _background(gen, net, int(READS_PER_SCALE * scale), len(plates))
    planted = _planted(net, runs, world)
    cam = np.concatenate([cam, planted[0]])
    veh = np.concatenate([veh, planted[1]])
    t = np.concatenate([t, planted[2]])
    is_planted = np.zeros(len(t), dtype=bool)
    is_planted[len(t) - len(planted[2]) :] = True
    keep = t < WINDOW_S
    cam, veh, t, is_planted = cam[keep], veh[keep], t[keep], is_planted[keep]
    order = np.lexsort((veh, cam, t))
    cam, veh, t, is_planted = cam[order], veh[order], t[order], is_planted[order]
    rows = _render(rng, gen, net, plates, countries, cam, veh, t, is_planted, truth)
    _write_rows(path, rows)
    truth.count("plate_reads.csv", len(t))
    _record_cotravel(truth, runs, world)
    return len(t)


def _planted(net: RoadNetwork, runs: list[Run], world: World) -> tuple[np.ndarray, ...]:
    cam_index = {c.camera_id: i for i, c in enumerate(net.cameras)}
    cams, vehs, times = [], [], []
    for run in runs:
        for p in run.passes:
            for vid, sec in ((run.scout, p.scout_s), (run.cargo, p.cargo_s)):
                cams.append(cam_index[p.camera_id])
                vehs.append(int(vid[1:]) - 1)  # world vehicles come first in the fleet
                times.append(sec)
    return (
        np.array(cams, dtype=np.int64),
        np.array(vehs, dtype=np.int64),
        np.array(times, dtype=np.int64),
    )


def _render(
    rng: random.Random,
    gen: np.random.Generator,
    net: RoadNetwork,
    plates: list[str],
    countries: list[str],
    cam: np.ndarray,
    veh: np.ndarray,
    t: np.ndarray,
    is_planted: np.ndarray,
    truth: Truth,
) -> tuple[list[object], ...]:
    """Turn index arrays into column lists, injecting ANPR misreads (never on planted reads)."""
    n = len(t)
    plate_arr = np.array(plates, dtype=object)[veh]
    country_arr = np.array(countries, dtype=object)[veh]
    conf = np.round(0.78 + 0.21 * gen.beta(5, 1.5, n), 3)
    bad = np.nonzero((gen.random(n) < MISREAD_RATE) & ~is_planted)[0]
    kinds: dict[str, int] = {}
    for i in bad.tolist():
        plate_arr[i], kind = misread(plate_arr[i], rng)
        kinds[kind] = kinds.get(kind, 0) + 1
        conf[i] = round(0.35 + 0.4 * rng.random(), 3)
        if rng.random() < 0.5:
            country_arr[i] = ""
    truth.plate_read_errors = dict(sorted(kinds.items()))
    cam_ids = np.array([c.camera_id for c in net.cameras], dtype=object)[cam]
    lats = np.array([f"{c.lat:.6f}" for c in net.cameras], dtype=object)[cam]
    lons = np.array([f"{c.lon:.6f}" for c in net.cameras], dtype=object)[cam]
    stamps = np.char.add(np.datetime_as_string(EPOCH64 + t.astype("timedelta64[s]"), unit="s"), "Z")
    ids = [f"R{i:09d}" for i in range(1, n + 1)]
    return (
        ids,
        cam_ids.tolist(),
        lats.tolist(),
        lons.tolist(),
        plate_arr.tolist(),
        country_arr.tolist(),
        stamps.tolist(),
        conf.tolist(),
    )


def _write_rows(path: Path, cols: tuple[list[object], ...], chunk: int = 200_000) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        n = len(cols[0])
        for start in range(0, n, chunk):
            w.writerows(zip(*(c[start : start + chunk] for c in cols), strict=True))


def _record_cotravel(truth: Truth, runs: list[Run], world: World) -> None:
    from pasienis.scenario.crossings import EPOCH, timedelta

    def iso(sec: int) -> str:
        return (EPOCH + timedelta(seconds=sec)).strftime("%Y-%m-%dT%H:%M:%SZ")

    for run in runs:
        truth.co_travel.append(
            {
                "network": run.network,
                "checkpoint": run.checkpoint,
                "road": run.road,
                "scout_vehicle": run.scout,
                "cargo_vehicle": run.cargo,
                "scout_plate": normalise(world.vehicle(run.scout).plate),
                "cargo_plate": normalise(world.vehicle(run.cargo).plate),
                "passes": [[p.camera_id, iso(p.scout_s), iso(p.cargo_s)] for p in run.passes],
            }
        )
