"""Accuracy of the production path (statements → features → Splink → resolver) on the
synthetic scenario, against truth.json's ``identity_clusters``.

A truth record is mapped to the entity the import made of it: crossings by crossing id
(the event's person), register officers and watchlist rows by locator, declaration drivers
by their declaration's locator. Report mentions are documents, not entities: not counted.
truth.json has no company or vehicle clusters (their sources share keys: company code,
normalised plate), so every automatic merge of two of them is counted as a false merge.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from pasienis.config import Settings
from pasienis.ingest import load_scenario
from pasienis.model import install_model
from pasienis.model.events import border_crossings, declarations
from pasienis.model.models import statements
from pasienis.resolve import RunParams, canonical_of, run_batch
from pasienis.resolve.models import resolution_features
from pasienis.scenario import generate
from pasienis.store import Store, open_store, upgrade


def _locators(conn, folder: Path) -> dict[str, str]:
    """truth record key -> entity id."""
    out: dict[str, str] = {}
    for row in conn.execute(select(border_crossings.c.attributes, border_crossings.c.person_id)):
        out[f"crossings.csv:{row.attributes['crossing_id']}"] = row.person_id
    persons = {r.locator: r.entity_id for r in conn.execute(
        select(statements.c.locator, statements.c.entity_id).where(
            statements.c.schema == "Person", statements.c.prop == "id"))}
    for key, entity in persons.items():
        if key and key.startswith("companies.xlsx:Officers:"):
            out[key] = entity
    lines = (folder / "watchlist.jsonl").read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        if line.strip() and f"watchlist.jsonl:{n}" in persons:
            out[f"watchlist.jsonl:{json.loads(line)['id']}"] = persons[f"watchlist.jsonl:{n}"]
    for row in conn.execute(select(declarations.c.attributes, declarations.c.locator)):
        if row.locator in persons:
            out[f"declarations.xml:{row.attributes['@lrn']}/Driver"] = persons[row.locator]
    return out


def _truth(conn, folder: Path) -> dict[str, str]:
    """entity id -> true person (entities of one record each; unmapped records skipped)."""
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    where = _locators(conn, folder)
    out: dict[str, str] = {}
    for cluster in truth["identity_clusters"]:
        for record in cluster["records"]:
            if record in where:
                out[where[record]] = cluster["person"]
    return out


def scenario(scale: float, metrics) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder, db = Path(tmp) / "scenario", Path(tmp) / "pasienis.db"
        generate(seed=42, scale=scale, out=folder)
        settings = Settings(data_dir=Path(tmp), database_url=f"sqlite:///{db}")
        install_model(settings)
        store: Store = open_store(settings)
        upgrade(store)
        load_scenario(store, folder=folder)
        for kind in ("person", "company", "vehicle"):
            start = time.perf_counter()
            run = run_batch(store, kind=kind, params=RunParams())
            took = time.perf_counter() - start
            with store.read() as conn:
                ids = list(conn.execute(select(resolution_features.c.entity_id).where(
                    resolution_features.c.kind == kind)).scalars())
                canon = canonical_of(conn, ids)
                truth = _truth(conn, folder) if kind == "person" else {}
            # Entities with no truth record are their own person (distinct keys).
            labels = {e: truth.get(e, f"self:{e}") for e in ids}
            groups: dict[str, list[str]] = {}
            for e, c in canon.items():
                groups.setdefault(c, []).append(e)
            m = metrics(labels, [g for g in groups.values() if len(g) > 1])
            _line(kind, "all", ids, truth, m, run, took)
            if kind == "person":  # declaration drivers are a name only (no date, no document)
                kept = {e: v for e, v in labels.items() if not e.startswith(DRIVERS)}
                sub = [[e for e in g if e in kept] for g in groups.values()]
                m = metrics(kept, [g for g in sub if len(g) > 1])
                _line(kind, "no drivers", list(kept), {e: truth[e] for e in kept if e in truth},
                      m, run, took)
                with store.read() as conn:
                    _drivers(conn, truth, canon)
        store.dispose()


DRIVERS = "scenario_declarations."


def _drivers(conn, truth: dict[str, str], canon: dict[str, str]) -> None:
    """What the name-only drivers can honestly be linked by: the truck they are declared
    with (the only other field of their record), when another record of the same person
    appears with that vehicle (a crossing); the rest have nothing but a name."""
    vehicle = dict(conn.execute(select(resolution_features.c.entity_id,
                                       resolution_features.c.vehicle)).all())  # fmt: skip
    others: dict[str, set[str]] = {}
    for e, p in truth.items():
        if not e.startswith(DRIVERS) and vehicle.get(e):
            others.setdefault(p, set()).add(vehicle[e])
    drivers = [e for e in truth if e.startswith(DRIVERS)]
    linkable = [e for e in drivers if vehicle.get(e) in others.get(truth[e], set())]
    members: dict[str, set[str]] = {}
    for e, c in canon.items():
        members.setdefault(c, set()).add(e)
    linked = [e for e in drivers
              if any(not o.startswith(DRIVERS) for o in members.get(canon.get(e, e), ()))]
    wrong = [e for e in linked if any(truth.get(o, o) != truth[e]
                                      for o in members[canon.get(e, e)])]  # fmt: skip
    print(f"scenario drivers: {len(drivers)} name-only records; {len(linkable)} share their "
          f"vehicle with another record of the same person (linkable); linked to a non-driver "
          f"record: {len(linked)} ({len(set(linked) & set(linkable))} of the linkable, "
          f"{len(wrong)} in a cluster with another person); {len(drivers) - len(linkable)} "
          f"have no such evidence", flush=True)


def _line(kind, subset, ids, truth, m, run, took) -> None:
    counts = run["counts"] or {}
    print(f"scenario {kind:<8} {subset:<10} {len(ids):>6} entities, {len(truth):>5} in truth: "
          f"P {m['P']:.4f} R {m['R']:.4f} F1 {m['F1']:.4f} B3 P {m['B3_P']:.4f} "
          f"R {m['B3_R']:.4f} F1 {m['B3_F1']:.4f}  ({counts.get('auto', 0)} merged pairs, "
          f"{counts.get('review', 0)} queued, {took:.1f} s)", flush=True)
