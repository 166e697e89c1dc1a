"""Mappings for every file of the synthetic scenario (``pasienis scenario load DIR``)."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent

#: Source file (relative to the scenario folder) → mapping file, in load order.
SCENARIO_FILES: tuple[tuple[str, str], ...] = (
    ("cameras.csv", "cameras.yml"),
    ("roads.osm", "roads.yml"),
    ("companies.xlsx", "companies.yml"),
    ("companies.xlsx", "officers.yml"),
    ("crossings.csv", "crossings.yml"),
    ("plate_reads.csv", "plate_reads.yml"),
    ("declarations.xml", "declarations.yml"),
    ("declarations_truncated.xml", "declarations.yml"),
    ("watchlist.jsonl", "watchlist.yml"),
    ("violations.csv", "violations.yml"),
)
