"""watchlist.jsonl: wanted persons and vehicles, some listed under a different spelling.

Why: the value of screening is finding "Aleksandras Ivanovas" in a crossing record when the
watchlist says "Александр Иванов". Truth records, for every entry, the real entity and the
names under which that entity appears elsewhere.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from pasienis.scenario.names import canonical, variant
from pasienis.scenario.plates import normalise
from pasienis.scenario.truth import Truth
from pasienis.scenario.world import World

_REASONS = (
    "suspected cigarette smuggling",
    "European arrest warrant",
    "excise fraud",
    "wanted for questioning (customs)",
    "vehicle used in smuggling",
    "stolen vehicle",
)


def write_watchlist(path: Path, rng: random.Random, world: World, truth: Truth) -> int:
    """Write JSON lines; network members are listed under a variant name where possible."""
    members = [p for p in world.persons if p.network]
    others = rng.sample([p for p in world.persons if not p.network], k=12)
    lines = []
    for p in [*members[::2], *others]:
        kind = rng.choice(p.variant_kinds) if p.variant_kinds else "canonical"
        listed = variant(p.name, kind, rng)
        wid = f"W{len(lines) + 1:04d}"
        lines.append(
            {
                "id": wid,
                "type": "person",
                "name": listed,
                "dob": p.dob.isoformat(),
                "nationality": p.nationality,
                "reason": rng.choice(_REASONS[:4]),
                "listed": (date(2026, 3, 1) + timedelta(days=rng.randrange(180))).isoformat(),
            }
        )
        truth.record(p.pid, f"watchlist.jsonl:{wid}", listed, p.dob.isoformat())
        elsewhere = sorted({r["name"] for r in truth.identity.get(p.pid, [])} - {listed})
        truth.watchlist.append(
            {
                "entry": wid,
                "type": "person",
                "entity": p.pid,
                "listed_as": listed,
                "variant_kind": kind,
                "canonical": canonical(p.name),
                "appears_as": elsewhere,
            }
        )
    vehicles = [world.vehicle(v) for n in world.networks for v in n.vehicles][::2]
    for v in vehicles:
        wid = f"W{len(lines) + 1:04d}"
        lines.append(
            {
                "id": wid,
                "type": "vehicle",
                "plate": v.plate,
                "nationality": v.country,
                "reason": rng.choice(_REASONS[4:]),
                "listed": (date(2026, 3, 1) + timedelta(days=rng.randrange(180))).isoformat(),
            }
        )
        truth.watchlist.append(
            {
                "entry": wid,
                "type": "vehicle",
                "entity": v.vid,
                "listed_as": v.plate,
                "normalised": normalise(v.plate),
            }
        )
    with path.open("w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    truth.count("watchlist.jsonl", len(lines))
    return len(lines)
