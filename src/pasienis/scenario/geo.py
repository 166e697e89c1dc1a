"""Fixed geography of the scenario: checkpoints, towns, border points and the country outline.

Why a module of constants: every other part of the generator (roads, crossings, cameras,
violations) must agree on the same coordinates, and evaluators must be able to check them
against public sources.

Sources (all WGS84):

* Lavoriškės: GeoNames 8217466 "Pamyezhny Punkt Propusku Katlowka" (Belarusian side,
  54.72010, 25.74870); the Lithuanian post is placed ~300 m west of it.
* Medininkai, Šalčininkai, Raigardas, Šumskas, Kybartai, Panemunė, Ramoniškiai and the
  internal-border points: positions of the road border-control posts as drawn on
  OpenStreetMap (barrier=border_control on the A3, A15, A4, A7, A12 and the local roads) and
  the Wikipedia articles of the villages. They were transcribed by hand and are accurate to
  roughly 1-2 km, which is plenty for a synthetic scenario but not for navigation.
* Towns: city-centre coordinates from the Wikipedia/OpenStreetMap articles, ~1 km accuracy.
* ``LITHUANIA_OUTLINE``: Natural Earth 1:110m outline (public domain) as mirrored by
  johan/world.geo.json countries/LTU.geo.json (commit 261b1500c01980a35d98b5e6533be03673dc708c).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    """A named point; ``code`` is a short stable identifier used in output files."""

    code: str
    name: str
    lat: float
    lon: float
    country: str = "LT"
    neighbour: str = ""


# External (Schengen) border road checkpoints. neighbour = the country across the border.
CHECKPOINTS: tuple[Place, ...] = (
    Place("MED", "Medininkai", 54.5353, 25.7595, "LT", "BY"),
    Place("SAL", "Šalčininkai", 54.2620, 25.3750, "LT", "BY"),
    Place("LAV", "Lavoriškės", 54.7215, 25.7440, "LT", "BY"),
    Place("RAI", "Raigardas", 53.9335, 23.9870, "LT", "BY"),
    Place("SUM", "Šumskas", 54.6270, 25.8540, "LT", "BY"),
    Place("KYB", "Kybartai", 54.6383, 22.7448, "LT", "RU"),
    Place("PAN", "Panemunė", 55.0853, 21.9047, "LT", "RU"),
    Place("RAM", "Ramoniškiai", 54.7760, 22.7220, "LT", "RU"),
)

# Internal (intra-Schengen) border points where ANPR cameras sit.
INTERNAL_BORDER: tuple[Place, ...] = (
    Place("KAL", "Kalvarija-Budzisko", 54.3570, 23.2900, "LT", "PL"),
    Place("SAO", "Saločiai-Grenctāle", 56.2290, 24.4000, "LT", "LV"),
    Place("MEK", "Meškuičiai-Eleja", 56.3600, 23.6600, "LT", "LV"),
    Place("BUT", "Būtingė-Rucava", 56.0650, 21.0950, "LT", "LV"),
    Place("ZAR", "Zarasai-Medumi", 55.7985, 26.3100, "LT", "LV"),
)

TOWNS: dict[str, Place] = {
    p.code: p
    for p in (
        Place("VNO", "Vilnius", 54.6872, 25.2797),
        Place("KUN", "Kaunas", 54.8985, 23.9036),
        Place("KLJ", "Klaipėda", 55.7033, 21.1443),
        Place("SQQ", "Šiauliai", 55.9349, 23.3137),
        Place("PNV", "Panevėžys", 55.7348, 24.3575),
        Place("MAR", "Marijampolė", 54.5593, 23.3541),
        Place("ALY", "Alytus", 54.3963, 24.0459),
        Place("VAR", "Varėna", 54.2194, 24.5703),
        Place("MER", "Merkinė", 54.1647, 24.1883),
        Place("ELE", "Elektrėnai", 54.7858, 24.6617),
        Place("KRY", "Kryžkalnis", 55.3650, 23.1020),
        Place("TAU", "Tauragė", 55.2522, 22.2897),
        Place("JON", "Jonava", 55.0833, 24.2833),
        Place("KAV", "Kavarskas", 55.4330, 24.9200),
        Place("UTE", "Utena", 55.4976, 25.5993),
        Place("ZRS", "Zarasai", 55.7317, 26.2470),
        Place("UKM", "Ukmergė", 55.2457, 24.7750),
        Place("PAS", "Pasvalys", 56.0597, 24.4036),
        Place("JNS", "Joniškis", 56.2400, 23.6167),
        Place("KED", "Kėdainiai", 55.2883, 23.9740),
        Place("SIT", "Sitkūnai", 55.0450, 24.0030),
        Place("PRI", "Prienai", 54.6336, 23.9417),
        Place("TRA", "Trakai", 54.6378, 24.9347),
        Place("VLK", "Vilkaviškis", 54.6517, 23.0350),
        Place("PLQ", "Palanga", 55.9175, 21.0686),
        Place("SLC", "Šalčininkai town", 54.3089, 25.3842),
        Place("MDK", "Medininkai village", 54.5417, 25.6500),
    )
}

# Natural Earth 1:110m outline of Lithuania (lon, lat), public domain. Coarse (18 vertices):
# good enough to keep synthetic points on the right side of the border, not for mapping.
LITHUANIA_OUTLINE: tuple[tuple[float, float], ...] = (
    (22.731099, 54.327537),
    (22.651052, 54.582741),
    (22.757764, 54.856574),
    (22.315724, 55.015299),
    (21.268449, 55.190482),
    (21.0558, 56.031076),
    (22.201157, 56.337802),
    (23.878264, 56.273671),
    (24.860684, 56.372528),
    (25.000934, 56.164531),
    (25.533047, 56.100297),
    (26.494331, 55.615107),
    (26.588279, 55.167176),
    (25.768433, 54.846963),
    (25.536354, 54.282423),
    (24.450684, 53.905702),
    (23.484128, 53.912498),
    (23.243987, 54.220567),
    (22.731099, 54.327537),
)

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; used for road lengths so travel times are physically plausible."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def point_in_outline(lat: float, lon: float) -> bool:
    """Ray-casting test against the coarse outline (keeps synthetic seizures inside LT)."""
    inside = False
    pts = LITHUANIA_OUTLINE
    for (x1, y1), (x2, y2) in itertools.pairwise(pts):
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def km_to_outline(lat: float, lon: float) -> float:
    """Approximate distance (km) from a point to the outline's boundary.

    Uses a local equirectangular projection per edge, which is accurate to a few per cent at
    Lithuanian latitudes - enough to say "this checkpoint is on the border".
    """
    kx = 111.32 * math.cos(math.radians(lat))
    ky = 110.57
    best = math.inf
    pts = LITHUANIA_OUTLINE
    for (x1, y1), (x2, y2) in itertools.pairwise(pts):
        ax, ay = (x1 - lon) * kx, (y1 - lat) * ky
        bx, by = (x2 - lon) * kx, (y2 - lat) * ky
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        t = 0.0 if seg2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / seg2))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def place_by_code(code: str) -> Place:
    """Look up a checkpoint, internal border point or town by its code."""
    for p in (*CHECKPOINTS, *INTERNAL_BORDER):
        if p.code == code:
            return p
    return TOWNS[code]
