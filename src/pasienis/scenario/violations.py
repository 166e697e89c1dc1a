"""violations.csv: seizures and violations found by mobile units, clustered like real smuggling.

Why clustered: hotspot and patrol-planning analytics are pointless on uniform noise. Real
seizures concentrate in a few forest corridors along the Belarus border and along the
Šešupė/Nemunas on the Kaliningrad side, mostly at night.
"""

from __future__ import annotations

import csv
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pasienis.scenario.geo import point_in_outline
from pasienis.scenario.truth import Truth
from pasienis.scenario.world import World

# Corridor centre lines (lat, lon) -> (lat, lon), a few km inside the border, and weights.
CORRIDORS = (
    ("Šalčininkai forests", (54.33, 25.30), (54.22, 25.05), 30),
    ("Druskininkai-Raigardas", (54.02, 24.05), (53.98, 24.30), 22),
    ("Medininkai-Šumskas", (54.56, 25.70), (54.66, 25.78), 18),
    ("Adutiškis-Švenčionys", (55.13, 26.30), (55.02, 26.05), 14),
    ("Šešupė (Kaliningrad)", (54.85, 22.78), (54.72, 22.80), 10),
)
CATEGORIES = (
    ("cigarettes", "pcs", 0.45, 25000, 0.22),
    ("alcohol", "l", 0.12, 300, 12.0),
    ("fuel", "l", 0.12, 900, 1.5),
    ("cash", "EUR", 0.06, 40000, 1.0),
    ("drugs", "kg", 0.05, 3, 9000.0),
    ("other", "pcs", 0.20, 120, 35.0),
)
UNITS = ("VMU-01", "VMU-02", "VMU-03", "VMU-07", "KMU-11", "KMU-12", "SBGS-VLN-4")
EPOCH = datetime(2026, 9, 1, tzinfo=UTC)


def _corridor_point(rng: random.Random) -> tuple[float, float]:
    _, a, b, _ = rng.choices(CORRIDORS, weights=[c[3] for c in CORRIDORS])[0]
    t = rng.random()
    lat = a[0] + (b[0] - a[0]) * t + rng.gauss(0, 0.018)
    lon = a[1] + (b[1] - a[1]) * t + rng.gauss(0, 0.03)
    return lat, lon


def _point(rng: random.Random) -> tuple[float, float]:
    """85 % corridor, 15 % anywhere in Lithuania; always inside the outline."""
    while True:
        if rng.random() < 0.85:
            lat, lon = _corridor_point(rng)
        else:
            lat, lon = rng.uniform(53.9, 56.4), rng.uniform(21.0, 26.6)
        if point_in_outline(lat, lon):
            return lat, lon


def _time(rng: random.Random) -> datetime:
    """65 % between 21:00 and 05:00 local (UTC+3 in autumn), the rest in daytime."""
    day = rng.randrange(60)
    local_hour = (21 + rng.randrange(8)) % 24 if rng.random() < 0.65 else rng.randrange(5, 21)
    utc_hour = (local_hour - 3) % 24
    return EPOCH + timedelta(days=day, hours=utc_hour, seconds=rng.randrange(3600))


def write_violations(
    path: Path, rng: random.Random, world: World, scale: float, truth: Truth
) -> int:
    """Write violations.csv; ~250 rows at scale 1, growing with sqrt(scale)."""
    n = max(40, int(250 * math.sqrt(max(scale, 0.01))))
    net_vehicles = [world.vehicle(v) for net in world.networks for v in net.vehicles]
    rows = []
    for _ in range(n):
        lat, lon = _point(rng)
        cat, unit, _, typical, price = rng.choices(CATEGORIES, weights=[c[2] for c in CATEGORIES])[
            0
        ]
        qty = max(1, round(rng.lognormvariate(math.log(typical), 0.7)))
        plate, person = "", ""
        if rng.random() < 0.3:
            v = rng.choice(net_vehicles)
            plate, person = v.plate, v.owner
        rows.append(
            (
                _time(rng),
                lat,
                lon,
                cat,
                qty,
                unit,
                round(qty * price, 2),
                rng.choice(UNITS),
                plate,
                person,
            )
        )
    rows.sort(key=lambda r: r[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            (
                "violation_id",
                "time",
                "lat",
                "lon",
                "goods_category",
                "quantity",
                "unit",
                "value_eur",
                "unit_call_sign",
                "plate",
                "person_ref",
            )
        )
        for i, (t, lat, lon, cat, qty, unit, value, call, plate, person) in enumerate(rows, 1):
            w.writerow(
                (
                    f"V{i:06d}",
                    t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    f"{lat:.6f}",
                    f"{lon:.6f}",
                    cat,
                    qty,
                    unit,
                    f"{value:.2f}",
                    call,
                    plate,
                    person,
                )
            )
    truth.count("violations.csv", len(rows))
    return len(rows)
