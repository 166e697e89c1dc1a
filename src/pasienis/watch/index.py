"""The screening index: listed entries by key, and the one rule that scores a record.

Why in memory: screening runs for every imported record and every live plate read, against
up to 100,000 entries; a dict from key to entries answers in microseconds, where a query per
record would cost a round trip. The keys are search's (:mod:`pasienis.search.keys`), so a
record found by searching a listed name is the record screening alerts on, and vice versa.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pasienis.model.names import name_similarity, token_keys, typo_variants
from pasienis.model.plates import normalise_plate, plate_keys, plate_query_keys, plate_similarity
from pasienis.search import identifier_keys, name_keys, name_query_keys

#: Entry kinds and the record schemata they screen.
KIND_SCHEMATA: dict[str, frozenset[str]] = {
    "person": frozenset({"Person", "LegalEntity"}),
    "company": frozenset({"Company", "Organization", "LegalEntity", "PublicBody"}),
    "vehicle": frozenset({"Vehicle"}),
    "phone": frozenset(),  # any record holding the number
}
#: A plate within one misread (look-alike 0.95, missing or extra character 0.9) alerts.
PLATE_THRESHOLD = 0.85
#: Equal birth dates add this much to a name score (capped at 1).
DOB_BONUS = 0.06


@dataclass(frozen=True, slots=True)
class Entry:
    """A listed person, company, vehicle or phone as screening sees it."""

    id: str
    list_id: str
    dataset: str
    kind: str
    name: str | None
    identifiers: tuple[tuple[str, str], ...]
    birth_date: str | None
    country: str | None
    reason: str
    priority: int
    valid_from: date | None = None
    valid_to: date | None = None
    entity_id: str | None = None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "list_id": self.list_id,
            "kind": self.kind,
            "name": self.name,
            "identifiers": [{"type": t, "value": v} for t, v in self.identifiers],
            "birth_date": self.birth_date,
            "country": self.country,
            "reason": self.reason,
            "priority": self.priority,
            "entity_id": self.entity_id,
        }


@dataclass(slots=True)
class Subject:
    """A record to screen: an entity of an import, or a plate read."""

    record_kind: str
    record_id: str
    dataset: str
    schema: str
    names: list[str] = field(default_factory=list)
    birth_dates: set[str] = field(default_factory=set)
    plates: list[str] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (prop_type, value)
    run_id: str | None = None
    occurred_on: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry a subject matched: the score and which fields matched which listed values."""

    entry: Entry
    score: float
    matched: tuple[dict[str, Any], ...]


def pair_keys(parts: list[str]) -> set[str]:
    """Keys of every two name parts, each part also with one character deleted (so two
    names within one edit in one part share a key, in any order)."""
    keys: set[str] = set()
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            for da in (a, *typo_variants(a)):
                keys.add("|".join(sorted((da, b))))
            for db in typo_variants(b):
                keys.add("|".join(sorted((a, db))))
    return keys


def _entry_keys(entry: Entry, *, single: bool) -> set[str]:
    keys: set[str] = set(name_keys(entry.name)) if entry.name and single else set()
    for id_type, value in entry.identifiers:
        if id_type == "plate":
            keys |= plate_keys(value)
        else:
            keys |= identifier_keys(value, prop_type=id_type)
    return keys


class WatchIndex:
    """Entries by key; :meth:`screen` returns the entries a subject matches."""

    def __init__(self, entries: list[Entry], *, name_threshold: float) -> None:
        self.entries = entries
        self.name_threshold = name_threshold
        #: Datasets of imported lists: their own records are the entries, not screened.
        self.imported_datasets = frozenset(e.dataset for e in entries if e.entity_id)
        self._by_key: dict[str, list[int]] = defaultdict(list)
        #: Name parts of each entry (a one-part name is a candidate on one shared part).
        self._parts = [len(token_keys(e.name)) if e.name else 0 for e in entries]
        self._by_pair: dict[str, list[int]] = defaultdict(list)
        self._births = [e.birth_date for e in entries]
        for i, entry in enumerate(entries):
            for key in _entry_keys(entry, single=self._parts[i] <= 1):
                self._by_key[key].append(i)
            if self._parts[i] > 1:
                for key in pair_keys(sorted(set(token_keys(entry.name or "")))):
                    self._by_pair[key].append(i)

    def __len__(self) -> int:
        return len(self.entries)

    def _lookup(self, keys: set[str]) -> set[int]:
        found: set[int] = set()
        for key in keys:
            found.update(self._by_key.get(key, ()))
        return found

    def _name_candidates(self, name: str) -> set[int]:
        """Entries sharing two name parts, one of them within one edit (pair keys); a
        one-part name is looked up by its part alone. A shared first name alone never makes a
        candidate, which keeps screening against a 100,000-entry list fast."""
        parts = sorted(set(token_keys(name)))
        if len(parts) == 1:
            found = self._lookup(name_query_keys(name))
            return {i for i in found if self._parts[i] <= 1}
        found: set[int] = set()
        for key in pair_keys(parts):
            found.update(self._by_pair.get(key, ()))
        return found

    def _candidates(self, subject: Subject) -> set[int]:
        found: set[int] = set()
        for name in subject.names:
            found |= self._name_candidates(name)
        dobs = subject.birth_dates
        if dobs and found:  # the scoring rule rejects namesakes born on another day: early
            births = self._births
            found = {i for i in found if births[i] is None or births[i] in dobs}
        keys: set[str] = set()
        for plate in subject.plates:
            keys |= plate_query_keys(plate)
        for id_type, value in subject.identifiers:
            keys |= identifier_keys(value, prop_type=id_type)
        return found | self._lookup(keys)

    def screen(self, subject: Subject, *, today: date) -> list[Hit]:
        """Entries valid on the record's day that the subject matches, best first."""
        day = subject.occurred_on or today
        hits = []
        for i in self._candidates(subject):
            entry = self.entries[i]
            if not entry.valid_on(day):
                continue
            hit = score(entry, subject, name_threshold=self.name_threshold)
            if hit is not None:
                hits.append(hit)
        hits.sort(key=lambda h: (-h.score, h.entry.priority, h.entry.id))
        return hits


def _name_match(entry: Entry, subject: Subject, threshold: float) -> Hit | None:
    schemata = KIND_SCHEMATA.get(entry.kind, frozenset())
    if not entry.name or (schemata and subject.schema not in schemata):
        return None
    if entry.birth_date and subject.birth_dates and entry.birth_date not in subject.birth_dates:
        return None  # a namesake born on another day
    best, best_name = 0.0, ""
    for name in subject.names:
        s = name_similarity(entry.name, name)
        if s > best:
            best, best_name = s, name
    if entry.birth_date and entry.birth_date in subject.birth_dates:
        best = min(1.0, best + DOB_BONUS)
    if best < threshold:
        return None
    matched = [{"field": "name", "value": best_name, "listed": entry.name, "score": round(best, 4)}]
    if entry.birth_date and entry.birth_date in subject.birth_dates:
        matched.append(
            {"field": "birthDate", "value": entry.birth_date, "listed": entry.birth_date}
        )
    return Hit(entry, best, tuple(matched))


def _code_match(entry: Entry, subject: Subject) -> Hit | None:
    best: tuple[float, dict[str, Any]] | None = None
    for id_type, listed in entry.identifiers:
        if id_type == "plate":
            for plate in subject.plates:
                s = plate_similarity(listed, plate)
                if s >= PLATE_THRESHOLD and (best is None or s > best[0]):
                    best = (
                        s,
                        {
                            "field": "plate",
                            "value": plate,
                            "listed": listed,
                            "normalised": normalise_plate(plate),
                            "score": s,
                        },
                    )
            continue
        keys = identifier_keys(listed, prop_type=id_type)
        for prop_type, value in subject.identifiers:
            if keys & identifier_keys(value, prop_type=prop_type) and (best is None or best[0] < 1):
                best = (1.0, {"field": id_type, "value": value, "listed": listed, "score": 1.0})
    return Hit(entry, best[0], (best[1],)) if best else None


def score(entry: Entry, subject: Subject, *, name_threshold: float) -> Hit | None:
    """The one screening rule: an identifier or plate match, else a name match above the
    threshold whose birth dates (when both are known) agree."""
    code = _code_match(entry, subject)
    if code is not None:
        return code
    return _name_match(entry, subject, name_threshold)
