"""Accuracy of the production path (statements → features → Splink → resolver) on the
synthetic scenario, against truth.json's ``identity_clusters``.

A truth record is mapped to the entity the import made of it: crossings by crossing id
(the event's person), register officers and watchlist rows by locator, declaration drivers
by their declaration's locator. Report mentions are documents, not entities: not counted.
truth.json has no company or vehicle clusters (their sources share keys: company code,
normalised plate), so every automatic merge of two of them is counted as a false merge.

Persons are also resolved, in the same run, by Splink's documented example model for
fake_1000 (resolve_refs.splink_reference) on the records as written — name split at the
first space into first name and surname, date of birth, the vehicle the person appears with
(the feature ours compares) for ``city``, document number for ``email``: only the column
names adapted, no normalisation. Recall is broken down
by the variant kind of each record's name, recovered by re-rendering the scenario's hidden
world (same seed and scale) in every kind the generator knows.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from pasienis.config import Settings
from pasienis.ingest import load_scenario
from pasienis.model import install_model
from pasienis.model.events import border_crossings, declarations
from pasienis.model.models import statements
from pasienis.resolve import RunParams, canonical_of, run_batch
from pasienis.resolve import engine as eng
from pasienis.resolve.cluster import cluster as cluster_pairs
from pasienis.resolve.models import resolution_features
from pasienis.scenario import generate
from pasienis.scenario.names import VARIANT_KINDS, variant
from pasienis.scenario.world import build_world
from pasienis.store import Store, open_store, upgrade
from resolve_refs import splink_reference


def _locators(conn, folder: Path) -> dict[str, str]:
    """truth record key -> entity id."""
    out: dict[str, str] = {}
    for row in conn.execute(select(border_crossings.c.attributes, border_crossings.c.person_id)):
        out[f"crossings.csv:{row.attributes['crossing_id']}"] = row.person_id
    persons = {
        r.locator: r.entity_id
        for r in conn.execute(
            select(statements.c.locator, statements.c.entity_id).where(
                statements.c.schema == "Person", statements.c.prop == "id"
            )
        )
    }
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
        generate(seed=SEED, scale=scale, out=folder)
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
                ids = list(
                    conn.execute(
                        select(resolution_features.c.entity_id).where(
                            resolution_features.c.kind == kind
                        )
                    ).scalars()
                )
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
                _line(
                    kind,
                    "no drivers",
                    list(kept),
                    {e: truth[e] for e in kept if e in truth},
                    m,
                    run,
                    took,
                )
                with store.read() as conn:
                    _drivers(conn, truth, canon)
                    raw = _raw(conn)
                    for e, v in conn.execute(
                        select(resolution_features.c.entity_id, resolution_features.c.vehicle)
                    ):
                        if v:
                            raw[e]["vehicle"] = v
                    feats = [
                        dict(r._mapping)
                        for r in conn.execute(
                            select(resolution_features).where(resolution_features.c.kind == kind)
                        )
                    ]
                kinds = _reference(ids, labels, truth, raw, canon, metrics, scale)
                _name_and_date_only(ids, labels, truth, raw, feats, kinds, metrics)
        store.dispose()


DRIVERS = "scenario_declarations."
#: The scenario's seed (variant_kinds rebuilds its world from it).
SEED = 42


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
    linked = [
        e
        for e in drivers
        if any(not o.startswith(DRIVERS) for o in members.get(canon.get(e, e), ()))
    ]
    wrong = [e for e in linked if any(truth.get(o, o) != truth[e]
                                      for o in members[canon.get(e, e)])]  # fmt: skip
    print(
        f"scenario drivers: {len(drivers)} name-only records; {len(linkable)} share their "
        f"vehicle with another record of the same person (linkable); linked to a non-driver "
        f"record: {len(linked)} ({len(set(linked) & set(linkable))} of the linkable, "
        f"{len(wrong)} in a cluster with another person); {len(drivers) - len(linkable)} "
        f"have no such evidence",
        flush=True,
    )


def _line(kind, subset, ids, truth, m, run, took, model="pasienis") -> None:
    counts = run["counts"] or {}
    print(
        f"scenario {kind:<8} {subset:<10} {model:<14} {len(ids):>6} entities, "
        f"{len(truth):>5} in truth: "
        f"P {m['P']:.4f} R {m['R']:.4f} F1 {m['F1']:.4f} B3 P {m['B3_P']:.4f} "
        f"R {m['B3_R']:.4f} F1 {m['B3_F1']:.4f}  ({counts.get('auto', 0)} merged pairs, "
        f"{counts.get('review', 0)} queued, {took:.1f} s)",
        flush=True,
    )


def _raw(conn) -> dict[str, dict[str, str]]:
    """Person entity -> the smallest value of each compared property (as written)."""
    props = ("name", "birthDate", "nationality", "passportNumber", "idNumber")
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for e, p, v in conn.execute(
        select(statements.c.entity_id, statements.c.prop, statements.c.value).where(
            statements.c.schema == "Person", statements.c.prop.in_(props)
        )
    ):
        out[e][p] = min(v, out[e].get(p, v))
    return out


def reference_frame(ids: list[str], raw: dict[str, dict[str, str]]) -> pd.DataFrame:
    """The records in the columns of Splink's fake_1000 example (names as written; the
    vehicle for ``city``: with nationality there the reference cannot link the name-only
    declaration drivers at all, F1 0.54 — a weaker reference than it needs to be)."""
    rows = []
    for e in ids:
        r = raw.get(e, {})
        first, _, rest = (r.get("name") or "").strip().partition(" ")
        rows.append(
            {
                "unique_id": e,
                "first_name": first or None,
                "surname": rest or None,
                "dob": r.get("birthDate"),
                "city": r.get("vehicle"),
                "email": r.get("passportNumber") or r.get("idNumber"),
            }
        )
    return pd.DataFrame(rows).astype("string")  # typed even when a column is all null


def variant_kinds(
    truth: dict[str, str], raw: dict[str, dict[str, str]], scale: float
) -> dict[str, str]:
    """Entity -> the kind of its written name: the first kind (generator order) whose
    rendering of the true person's name equals it; ``typo`` when none does and the person
    may be written with a typo (the only random kind), else ``other``."""
    world = build_world(random.Random(SEED), scale)  # generate()'s first use of its rng
    fixed = [k for k in VARIANT_KINDS if k != "typo"]
    out = {}
    for e, pid in truth.items():
        person, written = world.person(pid), raw.get(e, {}).get("name")
        kind = next(
            (k for k in fixed if variant(person.name, k, random.Random(0)) == written),
            "typo" if "typo" in person.variant_kinds else "other",
        )
        out[e] = kind
    return out


def _recall_by_kind(
    kinds: dict[str, str], truth: dict[str, str], cluster_of: dict[str, str], keep
) -> dict[str, tuple[int, int]]:
    """Kind -> (true pairs with a record of that kind, of them in one predicted cluster),
    over the pairs ``keep(a, b)`` accepts. A pair of two canonical records counts as
    ``canonical``; any other pair counts for each non-canonical kind of its two records."""
    persons: dict[str, list[str]] = defaultdict(list)
    for e in sorted(truth):
        persons[truth[e]].append(e)
    total, found = Counter(), Counter()
    for members in persons.values():
        for a, b in combinations(members, 2):
            if not keep(a, b):
                continue
            hit = cluster_of.get(a, a) == cluster_of.get(b, b)
            for k in ({kinds[a], kinds[b]} - {"canonical"}) or {"canonical"}:
                total[k] += 1
                found[k] += hit
    return {k: (total[k], found[k]) for k in total}


def _reference(ids, labels, truth, raw, canon, metrics, scale) -> dict[str, str]:
    start = time.perf_counter()
    preds = splink_reference("fake_1000", reference_frame(ids, raw))
    sure = sorted(
        (str(a), str(b))
        for a, b, p in preds.itertuples(index=False)
        if p >= RunParams().merge_threshold
    )
    groups = cluster_pairs(sure)[0]
    took = time.perf_counter() - start
    ref_of = {e: f"g{i}" for i, g in enumerate(groups) for e in g}
    fake_run = {"counts": {"auto": len(sure)}}
    m = metrics(labels, groups)
    _line("person", "all", ids, truth, m, fake_run, took, model="splink example")
    kept = {e: v for e, v in labels.items() if not e.startswith(DRIVERS)}
    sub = [[e for e in g if e in kept] for g in groups]
    m = metrics(kept, [g for g in sub if len(g) > 1])
    _line(
        "person",
        "no drivers",
        list(kept),
        {e: truth[e] for e in kept if e in truth},
        m,
        fake_run,
        took,
        model="splink example",
    )
    kinds = variant_kinds(truth, raw, scale)
    print(
        f"scenario person variant kinds of the {len(kinds)} records in truth: "
        + ", ".join(f"{k} {n}" for k, n in sorted(Counter(kinds.values()).items()))
    )
    doc = {e: r.get("passportNumber") or r.get("idNumber") for e, r in raw.items()}
    subsets = {
        "all pairs": lambda a, b: True,
        "no drivers": lambda a, b: not (a.startswith(DRIVERS) or b.startswith(DRIVERS)),
        "no shared document": lambda a, b: not doc.get(a) or doc.get(a) != doc.get(b),
    }
    rows = {}
    for label, keep in subsets.items():
        ours = _recall_by_kind(kinds, truth, canon, keep)
        ref = _recall_by_kind(kinds, truth, ref_of, keep)
        rows[label] = {k: (n, f / n, ref[k][1] / n) for k, (n, f) in ours.items()}
    print(
        "scenario person recall by name variant kind (pairs, ours, splink example): "
        + "; ".join(subsets)
    )
    for k in sorted(rows["all pairs"]):
        cells = [rows[label].get(k) for label in subsets]
        print(
            f"scenario recall {k:<14}"
            + "".join(
                f"   {c[0]:>5} {c[1]:.4f} {c[2]:.4f}" if c else f"   {'-':>5} {'-':>6} {'-':>6}"
                for c in cells
            ),
            flush=True,
        )
    return kinds


#: The features a name and a date of birth give (resolve.kinds.name_features and ``dob``).
_NAME_AND_DATE = ("name", "name_key", "name_fold", "tok_a", "tok_b", "given", "surname", "dob")


def _name_and_date_only(ids, labels, truth, raw, feats, kinds, metrics) -> None:
    """Both models again with every field but the name and the date of birth emptied, so
    the name is the evidence (the variants' records otherwise share documents, dates and
    vehicles with the person's other records, and both models link them by those)."""
    threshold = RunParams().merge_threshold
    rows = [{k: (v if k in _NAME_AND_DATE or k == "entity_id" else None)
             for k, v in r.items()} for r in feats]  # fmt: skip
    linker, notes = eng.train(eng.Engine(), eng.frame(rows), "person", seed=42,
                          max_pairs=RunParams().max_pairs)  # fmt: skip
    print(f"scenario person   name+date  training notes: {notes}")
    preds = eng.predict(linker, threshold=threshold)
    ours = cluster_pairs(sorted(zip(preds.unique_id_l.astype(str),
                                    preds.unique_id_r.astype(str), strict=True)))[0]  # fmt: skip
    bare = {e: {"name": r.get("name"), "birthDate": r.get("birthDate")} for e, r in raw.items()}
    ref = splink_reference("fake_1000", reference_frame(ids, bare))
    theirs = cluster_pairs(sorted((str(a), str(b)) for a, b, p in ref.itertuples(index=False)
                                  if p >= threshold))[0]  # fmt: skip
    dated = {e for e in ids if raw.get(e, {}).get("birthDate")}
    recall = {}
    for label, groups in (("pasienis", ours), ("splink example", theirs)):
        for subset, keep in (("all", None), ("dated", dated)):
            truth_of = {e: v for e, v in labels.items() if keep is None or e in keep}
            sub = [[e for e in g if e in truth_of] for g in groups]
            m = metrics(truth_of, [g for g in sub if len(g) > 1])
            print(f"scenario person   name+date {subset:<6} {label:<14} {len(truth_of):>5} "
                  f"entities: P {m['P']:.4f} R {m['R']:.4f} F1 {m['F1']:.4f} "
                  f"B3 F1 {m['B3_F1']:.4f}")  # fmt: skip
        of = {e: f"g{i}" for i, g in enumerate(groups) for e in g}
        recall[label] = _recall_by_kind(kinds, truth, of, lambda a, b: {a, b} <= dated)
    print("scenario recall, name+date only, pairs of two dated records (pairs, ours, "
          "splink example): " + "; ".join(
        f"{k} {n} {f / n:.4f} {recall['splink example'][k][1] / n:.4f}"
        for k, (n, f) in sorted(recall["pasienis"].items())), flush=True)  # fmt: skip
