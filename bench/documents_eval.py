"""Scoring extracted mentions against the scenario's truth.json (used by bench_documents).

A predicted mention is right when it has the truth's document, kind and exact character span,
and — for identifiers — the same normalised value, for known names the entity that stands for
the truth's person, company or place. Names not in the store (the truth's persons whose only
records are reports) are scored separately, by span overlap, against the NER methods.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from pasienis.model.plates import normalise_plate

KIND = {
    "vehicle": "plate",
    "phone": "phone",
    "iban": "iban",
    "person": "person",
    "company": "company",
    "place": "place",
}
IDENTIFIERS = ("plate", "phone", "iban")
NAMES = ("person", "company", "place")
NER_METHODS = frozenset({"natasha", "rule", "spacy"})


@dataclass
class Score:
    """Counts of true and false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Score) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, label: str) -> str:
        return (
            f"{label:<22} P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}  "
            f"(tp {self.tp}, fp {self.fp}, fn {self.fn})"
        )


@dataclass
class Truths:
    """The truth's mentions by document, and who is known to the store."""

    mentions: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    known_pids: set[str] = field(default_factory=set)
    meta: dict[str, tuple[str, str]] = field(default_factory=dict)


def load_truths(truth: dict[str, Any]) -> Truths:
    out = Truths()
    for m in truth["report_mentions"]:
        out.mentions[m["document"]].append(m)
        out.meta[m["document"]] = (m["language"], m["format"])
    for cluster in truth["identity_clusters"]:
        if any(not r.startswith("reports/") for r in cluster["records"]):
            out.known_pids.add(cluster["person"])
    return out


def truth_value(m: dict[str, Any]) -> str:
    kind = KIND[m["entity_type"]]
    if kind == "plate":
        return normalise_plate(m["text"])
    return str(m["entity"])


def _right_entity(pred: dict[str, Any], m: dict[str, Any], owners: dict[str, set[str]]) -> bool:
    """Whether the predicted entity stands for the truth's entity (pid, company code, place)."""
    return m["entity"] in owners.get(pred["entity_id"] or "", set())


def score_document(
    doc: str,
    preds: list[dict[str, Any]],
    truths: Truths,
    owners: dict[str, set[str]],
) -> dict[str, Score]:
    """Scores per kind (``person`` for known persons, ``person?`` for unknown ones)."""
    scores: dict[str, Score] = defaultdict(Score)
    gold = truths.mentions.get(doc, [])
    used: set[int] = set()
    for p in preds:
        kind = p["kind"]
        if kind not in IDENTIFIERS + NAMES:
            continue
        guessed = p["method"] in NER_METHODS
        label = f"{kind}?" if guessed else kind
        hit = None
        for i, m in enumerate(gold):
            if i in used or KIND[m["entity_type"]] != kind:
                continue
            if guessed:
                ok = p["start_offset"] < m["end"] and m["start"] < p["end_offset"]
                ok = ok and kind == "person" and m["entity"] not in truths.known_pids
            else:
                ok = (p["start_offset"], p["end_offset"]) == (m["start"], m["end"])
                ok = ok and (
                    p["value"] == truth_value(m)
                    if kind in IDENTIFIERS
                    else _right_entity(p, m, owners)
                )
            if ok:
                hit = i
                break
        if hit is None:
            scores[label].fp += 1
        else:
            used.add(hit)
            scores[label].tp += 1
    for i, m in enumerate(gold):
        if i in used:
            continue
        kind = KIND[m["entity_type"]]
        unknown = kind == "person" and m["entity"] not in truths.known_pids
        scores["person?" if unknown else kind].fn += 1
    return scores


def summarise(per_doc: dict[str, dict[str, Score]], truths: Truths) -> list[str]:
    """Lines: per kind, per language, per format (identifiers + known names)."""
    kinds: dict[str, Score] = defaultdict(Score)
    by_lang: dict[str, Score] = defaultdict(Score)
    by_fmt: dict[str, Score] = defaultdict(Score)
    person_lang: dict[str, Score] = defaultdict(Score)
    for doc, scores in per_doc.items():
        lang, fmt = truths.meta.get(doc, ("?", "?"))
        for kind, s in scores.items():
            kinds[kind].add(s)
            if not kind.endswith("?"):
                by_lang[lang].add(s)
                by_fmt[fmt].add(s)
            if kind == "person":
                person_lang[lang].add(s)
    ids = Score()
    for k in IDENTIFIERS:
        ids.add(kinds[k])
    lines = [kinds[k].line(k) for k in (*IDENTIFIERS, *NAMES)]
    lines.append(ids.line("identifiers (all)"))
    lines.append(kinds["person?"].line("unknown persons (NER)"))
    lines += [person_lang[lg].line(f"known persons, {lg}") for lg in sorted(person_lang)]
    lines += [by_lang[lg].line(f"language {lg}") for lg in sorted(by_lang)]
    lines += [by_fmt[f].line(f"format {f}") for f in sorted(by_fmt)]
    return lines


def count_kinds(truths: Truths) -> Counter[str]:
    return Counter(KIND[m["entity_type"]] for ms in truths.mentions.values() for m in ms)
