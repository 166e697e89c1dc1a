"""Collector for the ground truth written to truth.json.

Why: writers know, at the moment they render a record, which real entity it stands for and
which noise they applied. They report it here instead of the truth being reconstructed
afterwards, so the truth cannot drift from the files.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class Truth:
    """Mutable accumulator; ``to_dict`` produces the documented truth.json structure."""

    seed: int
    scale: float
    identity: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    networks: list[dict[str, Any]] = field(default_factory=list)
    co_travel: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    fraud: list[dict[str, Any]] = field(default_factory=list)
    watchlist: list[dict[str, Any]] = field(default_factory=list)
    malformed: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, dict[str, int]] = field(default_factory=dict)
    plate_read_errors: dict[str, int] = field(default_factory=dict)
    violation_corridors: list[dict[str, Any]] = field(default_factory=list)
    violation_period: list[str] = field(default_factory=list)
    history: dict[str, Any] = field(default_factory=dict)

    def record(self, pid: str, key: str, name: str, dob: str | None) -> None:
        """Note that source record ``key`` is person ``pid``, written as ``name``."""
        self.identity[pid].append({"record": key, "name": name, "dob": dob})

    def count(self, file: str, rows: int, bad: int = 0) -> None:
        """Expected row counts for an ingest test (rows = good + bad)."""
        self.files[file] = {"rows": rows, "good": rows - bad, "bad": bad}

    def clusters(self) -> list[dict[str, Any]]:
        """Persons with two or more source records, i.e. the duplicate-identity clusters."""
        out = []
        for pid in sorted(self.identity):
            recs = self.identity[pid]
            if len(recs) < 2:
                continue
            out.append(
                {
                    "person": pid,
                    "records": [r["record"] for r in recs],
                    "names": sorted({r["name"] for r in recs}),
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """The truth.json document (see docs/scenario.md for the field reference)."""
        return {
            "format": "pasienis-scenario-truth/1",
            "seed": self.seed,
            "scale": self.scale,
            "files": dict(sorted(self.files.items())),
            "identity_clusters": self.clusters(),
            "networks": self.networks,
            "co_travel": self.co_travel,
            "report_mentions": self.mentions,
            "fraudulent_declarations": self.fraud,
            "watchlist_matches": self.watchlist,
            "malformed": self.malformed,
            "plate_read_errors": self.plate_read_errors,
            "violation_corridors": self.violation_corridors,
            "violation_period": self.violation_period,
            "declaration_history": self.history,
        }

    def write(self, path: Path) -> None:
        """Serialise deterministically (sorted where order carries no meaning)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        path.write_text(text + "\n", encoding="utf-8")
