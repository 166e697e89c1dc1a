"""crossings.csv: border-guard records of people and vehicles at external-border checkpoints.

Why it looks like this: the State Border Guard Service records the traveller as written in
the travel document (Latin transliteration for BY/RU/UA passports), local time with offset,
and the plate as typed by the officer - sometimes with Cyrillic look-alike letters.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pasienis.scenario.cotravel import Run
from pasienis.scenario.geo import CHECKPOINTS, Place
from pasienis.scenario.plates import to_cyrillic
from pasienis.scenario.truth import Truth
from pasienis.scenario.world import Person, World, written_name

VILNIUS = ZoneInfo("Europe/Vilnius")
EPOCH = datetime(2026, 9, 1, tzinfo=UTC)
WINDOW_DAYS = 60
COLUMNS = (
    "crossing_id",
    "checkpoint_code",
    "checkpoint_name",
    "person_name",
    "date_of_birth",
    "nationality",
    "document_number",
    "vehicle_plate",
    "direction",
    "timestamp",
    "lat",
    "lon",
)
# Relative traffic; Medininkai and Šalčininkai carry most of the Belarus traffic.
_WEIGHTS = {"MED": 35, "SAL": 25, "LAV": 6, "RAI": 8, "SUM": 3, "KYB": 12, "PAN": 8, "RAM": 3}


def _checkpoint_for(rng: random.Random, nationality: str) -> Place:
    pool = [c for c in CHECKPOINTS if c.neighbour == nationality] or list(CHECKPOINTS)
    return rng.choices(pool, weights=[_WEIGHTS[c.code] for c in pool])[0]


def local_iso(seconds: int) -> str:
    """Seconds since epoch -> '2026-09-14T21:05:00+03:00' (Europe/Vilnius, DST-aware)."""
    return (EPOCH + timedelta(seconds=seconds)).astimezone(VILNIUS).isoformat()


def _plate_text(rng: random.Random, plate: str, country: str) -> str:
    if country in ("BY", "RU", "UA") and rng.random() < 0.3:
        return to_cyrillic(plate)
    return plate


def _row(
    rng: random.Random,
    idx: int,
    person: Person,
    plate: str,
    cp: Place,
    direction: str,
    seconds: int,
    truth: Truth,
) -> list[str]:
    key = f"X{idx:07d}"
    name = written_name(person, rng)
    dob = "" if rng.random() < 0.04 else person.dob.isoformat()
    truth.record(person.pid, f"crossings.csv:{key}", name, dob or None)
    return [
        key,
        cp.code,
        cp.name,
        name,
        dob,
        person.nationality,
        person.doc_number,
        plate,
        direction,
        local_iso(seconds),
        f"{cp.lat:.5f}",
        f"{cp.lon:.5f}",
    ]


def write_crossings(
    path: Path, rng: random.Random, world: World, runs: list[Run], scale: float, truth: Truth
) -> int:
    """Write crossings.csv; ~2000 rows per unit of scale plus the planted convoy crossings."""
    travellers = [p for p in world.persons if p.nationality != "LV"]
    activity = [rng.paretovariate(1.3) for _ in travellers]  # few frequent travellers
    cars = {v.owner: v for v in world.vehicles if v.owner}
    n = max(50, int(2000 * scale))
    events: list[tuple[int, Person, str, Place, str]] = []
    picks = rng.choices(travellers, weights=activity, k=n)
    for person in picks:
        seconds = rng.randrange(WINDOW_DAYS * 86400)
        vehicle = cars.get(person.pid)
        plate = _plate_text(rng, vehicle.plate, vehicle.country) if vehicle else ""
        cp = _checkpoint_for(rng, person.nationality)
        events.append((seconds, person, plate, cp, rng.choice(("entry", "exit"))))
    cp_by_code = {c.code: c for c in CHECKPOINTS}
    for run in runs:
        for vid, offset in ((run.scout, 0), (run.cargo, run.gap_s)):
            v = world.vehicle(vid)
            events.append(
                (
                    run.cross_s + offset,
                    world.person(v.owner),
                    v.plate,
                    cp_by_code[run.checkpoint],
                    "entry",
                )
            )
    events.sort(key=lambda e: (e[0], e[1].pid))
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for i, (sec, person, plate, cp, direction) in enumerate(events, start=1):
            w.writerow(_row(rng, i, person, plate, cp, direction, sec, truth))
    truth.count("crossings.csv", len(events))
    return len(events)
