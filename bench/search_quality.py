"""Quality half of bench_search: screening recall / false alerts and search recall@5.

Screening: every crossing record of the scenario is screened against the watchlist's persons
with pasienis' rule (:mod:`pasienis.watch.index`); nomenklatura's ``logic-v2`` matcher (the
logic OpenSanctions uses) scores the same pairs as the reference (all positive pairs, and the
negatives on a fixed sample of records of persons on no list — it costs ~2 ms a pair).
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from followthemoney import model
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringConfig

from pasienis.watch import Entry, Subject, WatchIndex

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


def _records(out: Path, rec2pid: dict[str, str]) -> list[tuple[Subject, str | None]]:
    rows = []
    with (out / "crossings.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = f"crossings.csv:{row['crossing_id']}"
            dob = {row["date_of_birth"]} if row["date_of_birth"] else set()
            subject = Subject(
                "entity", key, "border", "Person", names=[row["person_name"]], birth_dates=dob
            )
            rows.append((subject, rec2pid.get(key)))
    return rows


def _ftm(eid: str, name: str, dob: str | None) -> Any:
    e = model.make_entity("Person")
    e.id = eid
    e.add("name", name)
    if dob:
        e.add("birthDate", dob)
    return e


def screening_quality(out: Path, *, threshold: float) -> dict[str, Any]:
    """Recall by variant kind and false alerts per 1,000 unlisted records, ours vs nomenklatura."""
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    rec2pid = {r: c["person"] for c in truth["identity_clusters"] for r in c["records"]}
    kind = {w["entry"]: w.get("variant_kind") for w in truth["watchlist_matches"]}
    pid_of = {w["entry"]: w["entity"] for w in truth["watchlist_matches"]}
    entries = _entries(out)
    listed: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        listed[pid_of[e.id]].add(e.id)
    index = WatchIndex(entries, name_threshold=threshold)
    records = _records(out, rec2pid)
    algo, cfg = get_algorithm("logic-v2"), ScoringConfig.defaults()
    ftm_entries = {e.id: _ftm(e.id, e.name or "", e.birth_date) for e in entries}
    ours, ref, pairs = Counter(), Counter(), Counter()
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
        record = _ftm(subject.record_id, subject.names[0], next(iter(subject.birth_dates), None))
        for eid in mine:
            pairs[kind[eid]] += 1
            ours[kind[eid]] += eid in hits
            ref[kind[eid]] += (
                algo.compare(ftm_entries[eid], record, cfg).score >= NOMENKLATURA_THRESHOLD
            )
    sample = random.Random(42).sample(unlisted, min(NEGATIVE_SAMPLE, len(unlisted)))
    ours_sample = ref_sample = 0
    for subject in sample:
        record = _ftm(subject.record_id, subject.names[0], next(iter(subject.birth_dates), None))
        ours_sample += bool(index.screen(subject, today=date(2026, 10, 1)))
        ref_sample += any(
            algo.compare(e, record, cfg).score >= NOMENKLATURA_THRESHOLD
            for e in ftm_entries.values()
        )
    total = sum(pairs.values())
    return {
        "pairs": dict(pairs),
        "recall_by_kind": {k: round(ours[k] / pairs[k], 3) for k in pairs},
        "reference_recall_by_kind": {k: round(ref[k] / pairs[k], 3) for k in pairs},
        "recall": round(sum(ours.values()) / total, 4),
        "reference_recall": round(sum(ref.values()) / total, 4),
        "records_screened": len(records),
        "unlisted_records": len(unlisted),
        "false_alerts_per_1000": round(1000 * false_ours / max(1, len(unlisted)), 2),
        "false_alert_pairs": [f"{a} ~ {b} ({n})" for (a, b), n in false_pairs.most_common(10)],
        "sample": len(sample),
        "false_alerts_per_1000_sample": round(1000 * ours_sample / max(1, len(sample)), 2),
        "reference_false_alerts_per_1000_sample": round(1000 * ref_sample / max(1, len(sample)), 2),
    }
