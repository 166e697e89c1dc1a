"""Scale half of bench_search: synthetic entities into the index, and query workloads.

Entities are built by the index's own :func:`pasienis.search.build_row` from facts like the
importers write, with names from the scenario's pools and variant generator.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from pasienis.scenario.names import COUNTRIES, random_name, variant
from pasienis.scenario.plates import make_plate, misread
from pasienis.search import build_row, write_rows
from pasienis.store import Store

KINDS = (
    "canonical",
    "swapped",
    "upper",
    "typo",
    "no_diacritics",
    "cyrillic",
    "popular",
    "lithuanized",
)


def synthetic(n: int, seed: int = 1) -> Iterator[tuple[str, str, list[tuple[str, str, str, str]]]]:
    """(entity id, dataset, facts) — 80 % persons, 12 % vehicles, 8 % companies."""
    rng = random.Random(seed)
    for i in range(n):
        r = rng.random()
        dataset = ("border", "tax", "register")[i % 3]
        if r < 0.8:
            name = random_name(rng, rng.choice(COUNTRIES))
            dob = f"19{rng.randint(40, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            facts = [
                ("Person", "name", "name", variant(name, rng.choice(KINDS), rng)),
                ("Person", "birthDate", "date", dob),
                ("Person", "nationality", "country", name.country.lower()),
                ("Person", "passportNumber", "identifier", f"P{rng.randrange(10**8):08d}"),
            ]
            yield f"p{i}", dataset, facts
        elif r < 0.92:
            country = rng.choice(("LT", "LV", "PL", "BY", "RU"))
            facts = [
                ("Vehicle", "registrationNumber", "identifier", make_plate(rng, country)),
                ("Vehicle", "country", "country", country.lower()),
            ]
            yield f"v{i}", dataset, facts
        else:
            word = random_name(rng, "LT").family
            facts = [
                (
                    "Company",
                    "name",
                    "name",
                    f"UAB {word} {rng.choice(('Logistika', 'Trans', 'Prekyba'))}",
                ),
                ("Company", "registrationNumber", "identifier", f"{rng.randrange(10**9):09d}"),
                ("Company", "phone", "phone", f"+3706{rng.randrange(10**7):07d}"),
            ]
            yield f"c{i}", dataset, facts


def load(
    store: Store, n: int, *, batch: int = 20_000, progress: Callable[[int], None] | None = None
) -> float:
    """Write ``n`` synthetic entities into the index; returns seconds."""
    started = time.perf_counter()
    rows = []
    done = 0
    for entity_id, dataset, facts in synthetic(n):
        rows.append(build_row(entity_id, dataset, facts))
        if len(rows) >= batch:
            with store.begin() as conn:
                write_rows(store, conn, rows, replace=False)
            done += len(rows)
            rows = []
            if progress:
                progress(done)
    if rows:
        with store.begin() as conn:
            write_rows(store, conn, rows, replace=False)
    return time.perf_counter() - started


def queries(n: int, count: int, seed: int = 2) -> list[str]:
    """Queries a user would type: names in other spellings, plates (some misread), codes."""
    rng = random.Random(seed)
    picked = set(rng.sample(range(n), min(count, n)))
    entities = [e for i, e in enumerate(synthetic(n)) if i in picked]
    rng.shuffle(entities)
    out = []
    for _eid, _ds, facts in entities:
        value = facts[0][3]
        if facts[0][0] == "Vehicle":
            value = misread(value, rng)[0] if rng.random() < 0.5 else value
        elif facts[0][0] == "Person" and rng.random() < 0.2:
            value = facts[3][3]
        out.append(value)
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(q[49] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def timed(fn: Callable[[str], Any], items: list[str]) -> list[float]:
    samples = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        samples.append(time.perf_counter() - t)
    return samples
