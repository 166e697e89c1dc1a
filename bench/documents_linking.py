"""Linking report mentions to resolved entities, against truth.json (used by bench_documents).

The scenario is loaded, resolved (person, company, vehicle batch runs: the production path),
then its reports are ingested. Three linkers are scored on the same mentions in the same run:

* ``resolved``: the product — candidates read through the resolver, namesakes left unlinked
  unless the document's context decides, a link only above the score threshold;
* ``first wave``: the extractor's own pick (a source entity; the first namesake, or the one
  the context supports) — what documents did before this linker;
* ``no resolver``: the same linker with every source entity its own candidate.

A link is right when the entity it points to is the truth's: for persons the majority truth
person of the linked cluster's records (``resolve_scenario``'s record → entity mapping), for
companies and places a member holding the truth's code, for plates, phones and IBANs a
member holding the value. Precision counts every link made on a linkable mention (spans with
no truth mention are wrong); recall counts the truth's mentions of entities the store knows
(persons seen only in reports are excluded: nothing to link to). ``reach`` is, for right
person links, the share of the person's records the linked entity gathers — what resolution
adds: a link to one crossing record of five reaches 0.2.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from documents_eval import KIND, Score, load_truths
from pasienis.documents import Options, ingest_paths
from pasienis.documents.links import relink_in
from pasienis.documents.models import documents
from pasienis.model import canonical_ids, members_of_canonicals
from pasienis.model.mention_links import LINKED_STATUSES, mention_links
from pasienis.model.models import statements
from pasienis.model.plates import normalise_plate
from resolve_scenario import _truth

KINDS = ("person", "company", "place", "plate", "phone", "iban")


def _expected(m: dict[str, Any]) -> str:
    return normalise_plate(m["text"]) if m["entity_type"] == "vehicle" else str(m["entity"])


def _values(conn, ids: set[str]) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, set[str]] = defaultdict(set)
    wanted = sorted(ids)
    for i in range(0, len(wanted), 1000):
        rows = conn.execute(
            select(statements.c.entity_id, statements.c.value).where(
                statements.c.entity_id.in_(wanted[i : i + 1000]), statements.c.prop != "id"
            )
        )
        for entity_id, value in rows:
            out[entity_id].add(value)
    return out


class Judge:
    """Whether a linked entity is the truth's entity, and how much of it the link reaches."""

    def __init__(self, conn, folder: Path, linked: set[str]) -> None:  # type: ignore[no-untyped-def]
        self.person = _truth(conn, folder)  # entity id -> true person
        self.records: Counter[str] = Counter(self.person.values())
        canon = canonical_ids(conn, linked)
        self.members = members_of_canonicals(conn, set(canon.values()))
        self.canon = canon
        self.values = _values(conn, {m for ms in self.members.values() for m in ms})

    def cluster(self, entity: str, resolved: bool) -> set[str]:
        return self.members[self.canon[entity]] if resolved else {entity}

    def right(self, kind: str, entity: str, expected: str, resolved: bool) -> tuple[bool, float]:
        members = self.cluster(entity, resolved)
        if kind == "person":
            labels = Counter(self.person[m] for m in members if m in self.person)
            if not labels or labels.most_common(1)[0][0] != expected:
                return False, 0.0
            return True, labels[expected] / self.records[expected]
        return any(expected in self.values.get(m, ()) for m in members), 1.0


def _score(preds, truths, known, judge: Judge, resolved: bool):  # type: ignore[no-untyped-def]
    """Scores per kind and mean reach of right person links."""
    scores: dict[str, Score] = defaultdict(Score)
    reach: list[float] = []
    gold = {(m["document"], m["start"], m["end"]): m for ms in truths.mentions.values()
            for m in ms}  # fmt: skip
    hit: set[tuple[str, int, int]] = set()
    for (doc, start, end, kind), entity in preds.items():
        if kind not in KINDS or entity is None:
            continue
        m = gold.get((doc, start, end))
        if m is None or KIND[m["entity_type"]] != kind:
            scores[kind].fp += 1
            continue
        ok, share = judge.right(kind, entity, _expected(m), resolved)
        if ok:
            scores[kind].tp += 1
            hit.add((doc, start, end))
            if kind == "person":
                reach.append(share)
        else:
            scores[kind].fp += 1
    for key, m in gold.items():
        kind = KIND[m["entity_type"]]
        if key not in hit and (kind != "person" or m["entity"] in known):
            scores[kind].fn += 1
    return scores, (sum(reach) / len(reach) if reach else 0.0)


def _lines(label: str, scores, reach: float) -> list[str]:  # type: ignore[no-untyped-def]
    total = Score()
    out = []
    for k in KINDS:
        total.add(scores[k])
        out.append(scores[k].line(f"{label}: {k}"))
    out.append(total.line(f"{label}: all"))
    out.append(f"{label}: person reach {reach:.3f} (share of the person's records linked)")
    return out


def _abstentions(rows, judge: Judge) -> str:  # type: ignore[no-untyped-def]
    """Why person mentions were left unlinked: records of one person the resolver did not
    merge, or true namesakes (candidates standing for different persons)."""
    one = many = 0
    for r in rows:
        evidence = r.evidence or {}
        if r.kind != "person" or evidence.get("rule") != "namesakes":
            continue
        people = set()
        for c in evidence["candidates"]:
            labels = Counter(judge.person[m] for m in judge.members.get(c["canonical"], {c[
                "canonical"]}) if m in judge.person)  # fmt: skip
            people.add(labels.most_common(1)[0][0] if labels else c["canonical"])
        one, many = (one + 1, many) if len(people) == 1 else (one, many + 1)
    return (f"person mentions left unlinked as namesakes: {one + many} ({one} records of one "
            f"person the resolver kept apart, {many} true namesakes)")  # fmt: skip


def linking(folder: Path, scale: float) -> list[str]:
    from bench_documents import fresh_store
    from pasienis.ingest import load_scenario
    from pasienis.resolve import RunParams, run_batch
    from pasienis.scenario import generate

    scenario = folder / "scenario"
    generate(seed=42, scale=scale, out=scenario)
    settings, store = fresh_store(folder / "data")
    load_scenario(store, folder=scenario)
    start = time.perf_counter()
    for kind in ("person", "company", "vehicle"):
        run_batch(store, kind=kind, params=RunParams())
    lines = [f"scenario scale {scale}: resolved in {time.perf_counter() - start:.1f} s"]
    start = time.perf_counter()
    ingest_paths(store, [scenario / "reports"], options=Options.from_settings(
        settings, dataset="reports"))  # fmt: skip
    lines.append(f"reports ingested and linked in {time.perf_counter() - start:.1f} s")
    truth = json.loads((scenario / "truth.json").read_text(encoding="utf-8"))
    truths = load_truths(truth)
    with store.read() as conn:
        paths = {i: "reports/" + Path(p).name for i, p in
                 conn.execute(select(documents.c.id, documents.c.source_path))}  # fmt: skip
        rows = list(conn.execute(select(mention_links)))
        plain = relink_in(conn, resolved=False, write=False)
        key = {r.mention_id: (paths[r.document_id], r.start_offset, r.end_offset, r.kind)
               for r in rows}  # fmt: skip
        methods = {
            "resolved": {key[r.mention_id]: r.entity_id if r.status in LINKED_STATUSES else None
                         for r in rows},
            "first wave": {key[r.mention_id]: (r.evidence or {}).get("matched") for r in rows},
            "no resolver": {key[m]: d.entity_id for m, d in plain.items() if m in key},
        }  # fmt: skip
        linked = {e for preds in methods.values() for e in preds.values() if e}
        judge = Judge(conn, scenario, linked)
    store.dispose()
    rules = Counter((r.kind, (r.evidence or {}).get("rule")) for r in rows if r.kind == "person")
    lines.append("person mention rules: " + ", ".join(
        f"{rule} {n}" for (_k, rule), n in sorted(rules.items(), key=lambda x: -x[1])))  # fmt: skip
    lines.append(_abstentions(rows, judge))
    for label, preds in methods.items():
        scores, reach = _score(preds, truths, truths.known_pids, judge, label == "resolved")
        lines += _lines(label, scores, reach)
    return lines
