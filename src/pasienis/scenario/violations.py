"""violations.csv: seizures and violations found by mobile units, clustered like real smuggling.

Why clustered: hotspot and patrol-planning analytics are pointless on uniform noise. Real
seizures concentrate in a few forest corridors along the Belarus border and along the
Šešupė/Nemunas on the Kaliningrad side, mostly after dark. Over the scenario's year one
corridor emerges, one fades and the others persist, and the hours follow the season, so that
hot-spot, emerging-hot-spot and prediction analyses are measured against planted truth
(``truth.json`` → ``violation_corridors``).
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

# Corridor centre lines (lat, lon) -> (lat, lon), a few km inside the border, with a trend
# over the scenario's twelve months (what emerging-hot-spot analysis must recover).
PERSISTENT, EMERGING, FADING = "persistent", "emerging", "fading"
MONTHS = 12
EPOCH = datetime(2025, 11, 1, tzinfo=UTC)
CORRIDORS = (
    ("Šalčininkai forests", (54.33, 25.30), (54.22, 25.05), PERSISTENT),
    ("Druskininkai-Raigardas", (54.02, 24.05), (53.98, 24.30), PERSISTENT),
    ("Medininkai-Šumskas", (54.53, 25.50), (54.66, 25.57), FADING),
    ("Adutiškis-Švenčionys", (55.13, 26.30), (55.02, 26.05), EMERGING),
    ("Šešupė (Kaliningrad)", (54.85, 22.78), (54.72, 22.80), PERSISTENT),
)
#: Spread of seizures around a corridor's centre line (standard deviations, degrees).
SPREAD_LAT, SPREAD_LON = 0.012, 0.02
CATEGORIES = (
    ("cigarettes", "pcs", 0.45, 25000, 0.22, "24022090"),
    ("alcohol", "l", 0.12, 300, 12.0, "22084031"),
    ("fuel", "l", 0.12, 900, 1.5, "27101943"),
    ("cash", "EUR", 0.06, 40000, 1.0, ""),
    ("drugs", "kg", 0.05, 3, 9000.0, "12119086"),
    ("other", "pcs", 0.20, 120, 35.0, ""),
)
UNITS = ("VMU-01", "VMU-02", "VMU-03", "VMU-07", "KMU-11", "KMU-12", "SBGS-VLN-4")


def corridor_weight(kind: str, month: int) -> float:
    """Relative seizure rate of a corridor in month 0..11 (the planted trend)."""
    if kind == EMERGING:  # silent for four months, then rising to the strongest corridor
        return 0.0 if month < 4 else 30.0 * (month - 3) / (MONTHS - 4)
    if kind == FADING:  # the strongest at first, gone after month 7
        return max(0.0, 30.0 * (1 - month / 7))
    return 18.0


def month_start(month: int) -> datetime:
    """First instant (UTC) of scenario month 0..11."""
    year, index = divmod(EPOCH.month - 1 + month, 12)
    return EPOCH.replace(year=EPOCH.year + year, month=index + 1)


def _corridor_point(rng: random.Random, month: int) -> tuple[float, float]:
    weights = [corridor_weight(c[3], month) for c in CORRIDORS]
    _, a, b, _ = rng.choices(CORRIDORS, weights=weights)[0]
    t = rng.random()
    lat = a[0] + (b[0] - a[0]) * t + rng.gauss(0, SPREAD_LAT)
    lon = a[1] + (b[1] - a[1]) * t + rng.gauss(0, SPREAD_LON)
    return lat, lon


def _point(rng: random.Random, month: int) -> tuple[float, float]:
    """85 % corridor, 15 % anywhere in Lithuania; always inside the outline."""
    while True:
        if rng.random() < 0.85:
            lat, lon = _corridor_point(rng, month)
        else:
            lat, lon = rng.uniform(53.9, 56.4), rng.uniform(21.0, 26.6)
        if point_in_outline(lat, lon):
            return lat, lon


def night_start(month: int) -> int:
    """Local hour smuggling starts: after dark, so earlier in winter (17) than summer (22)."""
    calendar_month = (EPOCH.month - 1 + month) % 12  # 0 = January
    return round(19.5 - 2.5 * math.cos(2 * math.pi * (calendar_month - 6) / 12))


def _time(rng: random.Random, month: int) -> datetime:
    """65 % in the eight hours after dark (local), the rest in daytime."""
    start, end = month_start(month), month_start(month + 1)
    day = rng.randrange((end - start).days)
    night = night_start(month)
    local_hour = (night + rng.randrange(8)) % 24 if rng.random() < 0.65 else rng.randrange(24)
    utc_hour = (local_hour - 2) % 24
    return start + timedelta(days=day, hours=utc_hour, seconds=rng.randrange(3600))


def _corridor_truth() -> list[dict[str, object]]:
    return [
        {
            "name": name,
            "trend": kind,
            "start": list(a),
            "end": list(b),
            "spread_deg": [SPREAD_LAT, SPREAD_LON],
            "monthly_weight": [round(corridor_weight(kind, m), 3) for m in range(MONTHS)],
        }
        for name, a, b, kind in CORRIDORS
    ]


def write_violations(
    path: Path, rng: random.Random, world: World, scale: float, truth: Truth
) -> int:
    """Write violations.csv: a year of seizures, ~4,000 rows at scale 1 (grows with sqrt)."""
    n = max(600, int(4000 * math.sqrt(max(scale, 0.01))))
    net_vehicles = [world.vehicle(v) for net in world.networks for v in net.vehicles]
    rows = []
    for i in range(n):
        month = i * MONTHS // n
        lat, lon = _point(rng, month)
        cat, unit, _, typical, price, cn_code = rng.choices(
            CATEGORIES, weights=[c[2] for c in CATEGORIES]
        )[0]
        qty = max(1, round(rng.lognormvariate(math.log(typical), 0.7)))
        plate, person = "", ""
        if rng.random() < 0.3:
            v = rng.choice(net_vehicles)
            plate, person = v.plate, v.owner
        rows.append(
            (
                _time(rng, month),
                lat,
                lon,
                cat,
                qty,
                unit,
                round(qty * price, 2),
                rng.choice(UNITS),
                plate,
                person,
                cn_code,
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
                "cn_code",
            )
        )
        for i, (t, lat, lon, cat, qty, unit, value, call, plate, person, cn) in enumerate(rows, 1):
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
                    cn,
                )
            )
    truth.violation_corridors = _corridor_truth()
    truth.violation_period = [month_start(0).isoformat(), month_start(MONTHS).isoformat()]
    truth.count("violations.csv", len(rows))
    return len(rows)
