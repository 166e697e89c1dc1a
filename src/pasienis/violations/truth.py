"""Planted truth of the scenario's violation corridors, as cells (for measuring analyses).

The scenario writes each corridor's centre line, spread and trend to ``truth.json``; a cell
belongs to a corridor when its centre lies within two standard deviations of the line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import h3

from pasienis.violations.density import M_PER_DEG_LAT


def _distance_sd(lat: float, lon: float, corridor: Mapping[str, Any]) -> float:
    """Distance from the centre line in units of the corridor's spread."""
    (a_lat, a_lon), (b_lat, b_lon) = corridor["start"], corridor["end"]
    s_lat, s_lon = corridor["spread_deg"]
    # Work in spread units so the band is an ellipse-swept segment.
    px, py = (lon - a_lon) / s_lon, (lat - a_lat) / s_lat
    bx, by = (b_lon - a_lon) / s_lon, (b_lat - a_lat) / s_lat
    t = max(0.0, min(1.0, (px * bx + py * by) / (bx * bx + by * by)))
    return math.hypot(px - t * bx, py - t * by)


def corridor_cells(
    corridor: Mapping[str, Any], cells: Iterable[str], *, width_sd: float = 2.0
) -> set[str]:
    """The cells of ``cells`` that lie in the corridor's band."""
    out = set()
    for cell_id in cells:
        lat, lon = h3.cell_to_latlng(cell_id)
        if _distance_sd(lat, lon, corridor) <= width_sd:
            out.add(cell_id)
    return out


def corridor_km(corridor: Mapping[str, Any]) -> float:
    """Length of the centre line (for reports)."""
    (a_lat, a_lon), (b_lat, b_lon) = corridor["start"], corridor["end"]
    dy = (b_lat - a_lat) * M_PER_DEG_LAT
    dx = (b_lon - a_lon) * M_PER_DEG_LAT * math.cos(math.radians((a_lat + b_lat) / 2))
    return math.hypot(dx, dy) / 1000


#: Emerging-hot-spot categories that count as recovering each planted trend.
TREND_FAMILIES = {
    "emerging": frozenset({"new", "consecutive", "intensifying"}),
    "fading": frozenset({"historical", "diminishing"}),
    "persistent": frozenset({"persistent", "intensifying", "diminishing"}),
}


def hot_spot_scores(
    hot: set[str], cells: Iterable[str], corridors: list[Mapping[str, Any]]
) -> dict[str, float]:
    """Precision and recall of hot cells against the corridors ever active.

    Recall counts the corridors' core cells (within 2 spreads of the line) that were found;
    precision counts hot cells anywhere in the corridor band (3 spreads), because Gi* marks a
    dense cell's ring too — a hot cell next to a corridor is a right answer, one far from any
    corridor is a false one.
    """
    cells = list(cells)
    core: set[str] = set()
    band: set[str] = set()
    for corridor in corridors:
        if max(corridor["monthly_weight"]) > 0:
            core |= corridor_cells(corridor, cells, width_sd=2.0)
            band |= corridor_cells(corridor, cells, width_sd=3.0)
    precision = len(hot & band) / len(hot) if hot else 0.0
    recall = len(hot & core) / len(core) if core else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "hot_cells": float(len(hot)),
        "core_cells": float(len(core)),
    }


def trend_recovery(
    category_of: Mapping[str, str], cells: Iterable[str], corridors: list[Mapping[str, Any]]
) -> dict[str, float]:
    """Per corridor: the share of its core cells (that got any category) in its trend family."""
    cells = list(cells)
    out = {}
    for corridor in corridors:
        family = TREND_FAMILIES[str(corridor["trend"])]
        labelled = [
            category_of[c]
            for c in corridor_cells(corridor, cells)
            if category_of.get(c, "no_pattern") != "no_pattern"
        ]
        out[str(corridor["name"])] = (
            sum(c in family for c in labelled) / len(labelled) if labelled else 0.0
        )
    return out
