"""Geography: checkpoints, cameras, road network, co-travel and violation clustering."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree
from scenario_io import read_csv

from pasienis.scenario.geo import CHECKPOINTS, km_to_outline, point_in_outline

REAL_CHECKPOINTS = {
    "Medininkai",
    "Šalčininkai",
    "Lavoriškės",
    "Raigardas",
    "Šumskas",
    "Kybartai",
    "Panemunė",
    "Ramoniškiai",
}


def test_crossings_use_real_checkpoints_on_the_border(out: Path) -> None:
    rows = read_csv(out / "crossings.csv")
    assert {r["checkpoint_name"] for r in rows} <= REAL_CHECKPOINTS
    assert {r["checkpoint_name"] for r in rows} >= {"Medininkai", "Šalčininkai", "Kybartai"}
    for r in rows[:500]:
        lat, lon = float(r["lat"]), float(r["lon"])
        assert 53.8 < lat < 56.5
        assert 20.9 < lon < 26.9
        assert km_to_outline(lat, lon) < 25.0  # coarse 110m outline: generous tolerance
    assert {c.name for c in CHECKPOINTS} == REAL_CHECKPOINTS


def test_osm_parses_and_every_way_node_exists(out: Path) -> None:
    root = etree.parse(str(out / "roads.osm")).getroot()
    assert root.tag == "osm"
    assert root.get("version") == "0.6"
    nodes = {n.get("id") for n in root.iter("node")}
    ways = list(root.iter("way"))
    refs = {t.get("v") for w in ways for t in w.iter("tag") if t.get("k") == "ref"}
    assert {
        "A1",
        "A2",
        "A3",
        "A4",
        "A5",
        "A6",
        "A7",
        "A8",
        "A10",
        "A12",
        "A13",
        "A15",
        "A16",
    } <= refs
    for w in ways:
        nds = [nd.get("ref") for nd in w.iter("nd")]
        assert len(nds) >= 2
        assert set(nds) <= nodes
        tags = {t.get("k"): t.get("v") for t in w.iter("tag")}
        assert tags["highway"] in {"motorway", "trunk", "primary"}
        assert tags["maxspeed"]


def test_cameras_are_on_road_nodes(out: Path) -> None:
    root = etree.parse(str(out / "roads.osm")).getroot()
    coords = {(n.get("lat"), n.get("lon")) for n in root.iter("node")}
    cams = read_csv(out / "cameras.csv")
    assert len(cams) > 30
    assert all((c["lat"], c["lon"]) in coords for c in cams)


def _ts(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_co_travel_pairs_pass_same_cameras_minutes_apart(out: Path, truth: dict[str, Any]) -> None:
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in read_csv(out / "plate_reads.csv"):
        seen[(r["camera_id"], r["plate"])].add(r["timestamp"])
    assert len(truth["co_travel"]) >= 8
    for pair in truth["co_travel"]:
        assert pair["passes"]
        for cam, scout_t, cargo_t in pair["passes"]:
            assert scout_t in seen[(cam, pair["scout_plate"])]
            assert cargo_t in seen[(cam, pair["cargo_plate"])]
            gap = (_ts(cargo_t) - _ts(scout_t)).total_seconds()
            assert 120 <= gap <= 15 * 60


def test_plate_reads_include_realistic_misreads(out: Path, truth: dict[str, Any]) -> None:
    rows = read_csv(out / "plate_reads.csv")
    errors = sum(truth["plate_read_errors"].values())
    assert 0.01 < errors / len(rows) < 0.06
    confs = [float(r["confidence"]) for r in rows]
    assert all(0 <= c <= 1 for c in confs)
    assert all(r["timestamp"].endswith("Z") for r in rows[:100])


def _project(lat: float, lon: float) -> tuple[float, float]:
    return lon * 111.32 * math.cos(math.radians(55.2)), lat * 110.57


def _mean_nn_km(points: list[tuple[float, float]]) -> float:
    total = 0.0
    for i, (x, y) in enumerate(points):
        total += min(math.hypot(x - a, y - b) for j, (a, b) in enumerate(points) if j != i)
    return total / len(points)


def test_violations_are_clustered_and_mostly_at_night(out: Path) -> None:
    rows = read_csv(out / "violations.csv")
    pts = [_project(float(r["lat"]), float(r["lon"])) for r in rows]
    assert all(point_in_outline(float(r["lat"]), float(r["lon"])) for r in rows)
    area_km2 = 65_300.0  # Lithuania
    expected_uniform = 0.5 * math.sqrt(area_km2 / len(pts))  # Clark-Evans
    assert _mean_nn_km(pts) / expected_uniform < 0.5
    # Local night 21:00-05:00 is 18:00-02:00 UTC in September/October (UTC+3; UTC+2 late Oct).
    night = sum(_ts(r["time"]).hour in {18, 19, 20, 21, 22, 23, 0, 1, 2} for r in rows)
    assert night / len(rows) > 1 / 3
    assert {r["goods_category"] for r in rows} >= {"cigarettes", "alcohol", "fuel"}
