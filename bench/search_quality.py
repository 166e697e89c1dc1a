"""Quality half of bench_search: screening recall / false alerts and search recall@5.

Screening: every crossing record of the scenario is screened against the watchlist's persons
with pasienis' rule (:mod:`pasienis.watch.index`), as ``screen_run`` screens it: the traveller
record the import stored for that crossing (its statements, :func:`subjects_of_facts`), with
the birth dates its passport's other records lend it when it has none
(:func:`pasienis.watch.borrow.borrow_birth_dates`, on the loaded store). nomenklatura's
``logic-v2`` matcher (the logic OpenSanctions uses) scores the same pairs as the reference (all
positive pairs, and the negatives on a fixed sample of records of persons on no list — it
costs ~2 ms a pair), given the same record (``reference``) and the bare record, without the
borrowed dates (``reference_bare``).
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from followthemoney import model
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringConfig
from sqlalchemy import select

from pasienis.model.events import border_crossings
from pasienis.model.models import statements
from pasienis.store import Store
from pasienis.watch import Entry, Subject, WatchIndex, subjects_of_facts
from pasienis.watch.borrow import borrow_birth_dates
from pasienis.watch.screening import FACTS

NOMENKLATURA_THRESHOLD = 0.7  # yente's default match threshold
NEGATIVE_SAMPLE = 600


def _entries(out: Path) -> list[Entry]:
    entries = []
    for line in (out / "watchlist.jsonl").read_text(encoding="utf-8").splitlines():
        w = json.loads(line)
        if w["type"] == "person":
            entries.append(
                Entry(
                    id=w["id"],
                    list_id="l",
                    dataset="wl",
                    kind="person",
                    name=w["name"],
                    identifiers=(),
                    birth_date=w["dob"],
                    country=w["nationality"],
                    reason=w["reason"],
                    priority=2,
                )
            )
    return entries


def _records(
    out: Path, rec2pid: dict[str, str], store: Store, threshold: float
) -> list[tuple[Subject, str | None]]:
    """Each crossing (file order) with its stored traveller record as screening sees it."""
    with store.read() as conn:
        person_of = {
            json.loads(a)["crossing_id"] if isinstance(a, str) else a["crossing_id"]: (p, ds)
            for p, a, ds in conn.execute(
                select(border_crossings.c.person_id, border_crossings.c.attributes,
                       border_crossings.c.dataset)
            )
        }  # fmt: skip
        ids = sorted({p for p, _ in person_of.values()})
        subjects: dict[tuple[str, str], Subject] = {}
        for start in range(0, len(ids), 2000):
            q = select(*FACTS).where(statements.c.entity_id.in_(ids[start : start + 2000]))
            rows = conn.execute(q.order_by(statements.c.entity_id, statements.c.dataset))
            subjects.update(
                ((s.record_id, s.dataset), s) for s in subjects_of_facts(rows, run_id=None)
            )
        people = list(subjects.values())
        borrow_birth_dates(conn, people, threshold=threshold)
    rows = []
    with (out / "crossings.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = f"crossings.csv:{row['crossing_id']}"
            subject = replace(subjects[person_of[row["crossing_id"]]], record_id=key)
            rows.append((subject, rec2pid.get(key)))
    return rows


def _ftm(eid: str, name: str, dob: str | set[str] | None) -> Any:
    e = model.make_entity("Person")
    e.id = eid
    e.add("name", name)
    for d in [dob] if isinstance(dob, str) else sorted(dob or ()):
        e.add("birthDate", d)
    return e


def _bare(subject: Subject) -> set[str]:
    return subject.birth_dates - subject.borrowed_birth_dates.keys()


def screening_quality(out: Path, store: Store, *, threshold: float) -> dict[str, Any]:
    """Recall by variant kind and false alerts per 1,000 unlisted records, ours vs nomenklatura
    (``out`` loaded into ``store``)."""
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    rec2pid = {r: c["person"] for c in truth["identity_clusters"] for r in c["records"]}
    kind = {w["entry"]: w.get("variant_kind") for w in truth["watchlist_matches"]}
    pid_of = {w["entry"]: w["entity"] for w in truth["watchlist_matches"]}
    entries = _entries(out)
    listed: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        listed[pid_of[e.id]].add(e.id)
    index = WatchIndex(entries, name_threshold=threshold)
    records = _records(out, rec2pid, store, threshold)
    algo, cfg = get_algorithm("logic-v2"), ScoringConfig.defaults()
    ftm_entries = {e.id: _ftm(e.id, e.name or "", e.birth_date) for e in entries}
    ours, ref, bare, pairs = Counter(), Counter(), Counter(), Counter()
    false_ours, unlisted = 0, []
    false_pairs: Counter[tuple[str, str]] = Counter()  # (record name, listed name)
    names = {e.id: e.name or "" for e in entries}
    for subject, pid in records:
        hits = {h.entry.id for h in index.screen(subject, today=date(2026, 10, 1))}
        mine = listed.get(pid, set()) if pid else set()
        false_pairs.update((subject.names[0], names[eid]) for eid in hits - mine)
        if not mine:
            unlisted.append(subject)
            false_ours += bool(hits)
            continue
        false_ours += bool(hits - mine)
        record = _ftm(subject.record_id, subject.names[0], subject.birth_dates)
        plain = _ftm(subject.record_id, subject.names[0], _bare(subject))
        for eid in mine:
            pairs[kind[eid]] += 1
            ours[kind[eid]] += eid in hits
            ref[kind[eid]] += (
                algo.compare(ftm_entries[eid], record, cfg).score >= NOMENKLATURA_THRESHOLD
            )
            bare[kind[eid]] += (
                algo.compare(ftm_entries[eid], plain, cfg).score >= NOMENKLATURA_THRESHOLD
            )
    sample = random.Random(42).sample(unlisted, min(NEGATIVE_SAMPLE, len(unlisted)))
    ours_sample = ref_sample = bare_sample = 0
    for subject in sample:
        ours_sample += bool(index.screen(subject, today=date(2026, 10, 1)))
        found = _reference_alerts(algo, cfg, ftm_entries.values(), subject, subject.birth_dates)
        ref_sample += found
        if subject.borrowed_birth_dates:
            found = _reference_alerts(algo, cfg, ftm_entries.values(), subject, _bare(subject))
        bare_sample += found
    total = sum(pairs.values())
    return {
        "pairs": dict(pairs),
        "recall_by_kind": {k: round(ours[k] / pairs[k], 3) for k in pairs},
        "reference_recall_by_kind": {k: round(ref[k] / pairs[k], 3) for k in pairs},
        "recall": round(sum(ours.values()) / total, 4),
        "reference_recall": round(sum(ref.values()) / total, 4),
        "reference_bare_recall": round(sum(bare.values()) / total, 4),
        "records_screened": len(records),
        "records_with_borrowed_birth_date": sum(bool(s.borrowed_birth_dates) for s, _ in records),
        "unlisted_records": len(unlisted),
        "false_alerts_per_1000": round(1000 * false_ours / max(1, len(unlisted)), 2),
        "false_alert_pairs": [f"{a} ~ {b} ({n})" for (a, b), n in false_pairs.most_common(10)],
        "sample": len(sample),
        "false_alerts_per_1000_sample": round(1000 * ours_sample / max(1, len(sample)), 2),
        "reference_false_alerts_per_1000_sample": round(1000 * ref_sample / max(1, len(sample)), 2),
        "reference_bare_false_alerts_per_1000_sample": round(
            1000 * bare_sample / max(1, len(sample)), 2
        ),
    }


def _reference_alerts(
    algo: Any, cfg: Any, entries: Iterable[Any], subject: Subject, dobs: set[str]
) -> bool:
    record = _ftm(subject.record_id, subject.names[0], dobs)
    return any(algo.compare(e, record, cfg).score >= NOMENKLATURA_THRESHOLD for e in entries)
