"""The screening rule, written once: when a listed entry matches a record, and the evidence.

A record matches an entry when (1) the entry is valid on the record's day, (2) they share a
*blocking key* (:func:`entry_keys` / :func:`subject_keys`: identifier and plate keys, and for
names either a single part's keys or the keys of two parts together), and (3) :func:`score`
finds an identifier or plate match, or a name match above the threshold whose birth dates
(when both are known) agree. :func:`reference_screen` applies it entry by entry; the fast
index (:class:`.index.WatchIndex`) must return exactly the same hits, which a property-based
test checks (``tests/watch/test_watch_rule.py``). A record's birth dates include those its
document's other records lend it (:mod:`.borrow`, applied before screening, so both paths
see the same record); the evidence says which ones were borrowed and from where.

Why blocking keys are part of the rule rather than an optimisation hidden in the index: the
index can only ever find what shares a key, so saying so here keeps the reference honest.
The keys are search's (:mod:`pasienis.search.keys`): a record found by searching a listed
name is the record screening alerts on, and vice versa.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from pasienis.model.names import Names, key_similarity, name_tokens, names_of, token_keys
from pasienis.model.plates import normalise_plate, plate_keys, plate_query_keys, plate_similarity
from pasienis.search import (
    identifier_keys,
    name_parts,
    pair_keys,
    pair_query_keys,
    part_keys,
    part_query_keys,
)

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
    #: Travel and identity documents the record names, (property, value): whose other
    #: records may lend it a birth date (:mod:`.borrow`).
    documents: list[tuple[str, str]] = field(default_factory=list)
    nationalities: set[str] = field(default_factory=set)
    #: Birth dates in ``birth_dates`` that are not the record's own but its document's other
    #: records' (:func:`.borrow.borrow_birth_dates`): date → the records that gave it.
    borrowed_birth_dates: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry a subject matched: the score and which fields matched which listed values."""

    entry: Entry
    score: float
    matched: tuple[dict[str, Any], ...]


# --- blocking keys ------------------------------------------------------------------------------
@lru_cache(maxsize=262_144)
def stored_name_keys(parts: tuple[str, ...]) -> frozenset[str]:
    """Blocking keys of a listed name, from its sorted distinct part keys."""
    if len(parts) > 1:
        return pair_keys(parts)
    return frozenset(part_keys(parts[0])) if parts else frozenset()


@lru_cache(maxsize=262_144)
def typed_name_keys(parts: tuple[str, ...]) -> frozenset[str]:
    """Blocking keys a record's name is looked up by (a single part: any one-edit variant)."""
    if len(parts) > 1:
        return pair_query_keys(parts)
    return frozenset(part_query_keys(parts[0])) if parts else frozenset()


def entry_name_keys(entry: Entry) -> frozenset[str]:
    return stored_name_keys(name_parts(entry.name)) if entry.name else frozenset()


def entry_code_keys(entry: Entry) -> set[str]:
    keys: set[str] = set()
    for id_type, value in entry.identifiers:
        if id_type == "plate":
            keys |= plate_keys(value)
        else:
            keys |= identifier_keys(value, prop_type=id_type)
    return keys


def entry_keys(entry: Entry) -> set[str]:
    """Every blocking key of a listed entry."""
    return set(entry_name_keys(entry)) | entry_code_keys(entry)


def subject_code_keys(subject: Subject) -> set[str]:
    keys: set[str] = set()
    for plate in subject.plates:
        keys |= plate_query_keys(plate)
    for id_type, value in subject.identifiers:
        keys |= identifier_keys(value, prop_type=id_type)
    return keys


def subject_name_keys(names: Iterable[str]) -> set[str]:
    keys: set[str] = set()
    for name in names:
        keys |= typed_name_keys(name_parts(name))
    return keys


def subject_keys(subject: Subject) -> set[str]:
    """Every blocking key a record is looked up by."""
    return subject_name_keys(subject.names) | subject_code_keys(subject)


# --- scores -------------------------------------------------------------------------------------
@lru_cache(maxsize=1 << 18)
def similarity(
    listed: tuple[str, ...], typed: tuple[str, ...], listed_names: Names = (),
    typed_names: Names = (), listed_tokens: tuple[str, ...] = (),
    typed_tokens: tuple[str, ...] = (),
) -> float:  # fmt: skip
    """:func:`key_similarity` of two key tuples (with their parts' known names and written forms,
    aligned), remembered: records and lists repeat names, so the same pair is scored again
    and again."""
    return key_similarity(listed, typed, listed_names, typed_names, listed_tokens, typed_tokens)


def name_similarity(listed: str, typed: str) -> float:
    """:func:`similarity` of two names as written: the one name comparison of screening."""
    return similarity(
        tuple(token_keys(listed)), tuple(token_keys(typed)), names_of(listed), names_of(typed),
        tuple(name_tokens(listed)), tuple(name_tokens(typed)),
    )  # fmt: skip


def name_score(entry: Entry, subject: Subject) -> tuple[float, str]:
    """Best name similarity of the entry's name to any of the subject's, and that name."""
    best, best_name = 0.0, ""
    text = entry.name or ""
    for name in subject.names:
        s = name_similarity(text, name)
        if s > best:
            best, best_name = s, name
    return best, best_name


def name_match(entry: Entry, subject: Subject, threshold: float) -> Hit | None:
    schemata = KIND_SCHEMATA.get(entry.kind, frozenset())
    if not entry.name or (schemata and subject.schema not in schemata):
        return None
    if entry.birth_date and subject.birth_dates and entry.birth_date not in subject.birth_dates:
        return None  # a namesake born on another day
    best, best_name = name_score(entry, subject)
    born = bool(entry.birth_date and entry.birth_date in subject.birth_dates)
    if born:
        best = min(1.0, best + DOB_BONUS)
    if best < threshold:
        return None
    matched = [{"field": "name", "value": best_name, "listed": entry.name, "score": round(best, 4)}]
    if born:
        dob: dict[str, Any] = {
            "field": "birthDate", "value": entry.birth_date, "listed": entry.birth_date
        }  # fmt: skip
        lent = subject.borrowed_birth_dates.get(entry.birth_date or "")
        if lent:  # not on the record itself: say which records it came from
            dob["borrowed_from"] = list(lent)
        matched.append(dob)
    return Hit(entry, best, tuple(matched))


def _plate_match(listed: str, subject: Subject) -> tuple[float, dict[str, Any]] | None:
    best: tuple[float, dict[str, Any]] | None = None
    for plate in subject.plates:
        s = plate_similarity(listed, plate)
        if s >= PLATE_THRESHOLD and (best is None or s > best[0]):
            best = (s, {"field": "plate", "value": plate, "listed": listed,
                        "normalised": normalise_plate(plate), "score": s})  # fmt: skip
    return best


def code_match(entry: Entry, subject: Subject) -> Hit | None:
    best: tuple[float, dict[str, Any]] | None = None
    for id_type, listed in entry.identifiers:
        if id_type == "plate":
            found = _plate_match(listed, subject)
            if found and (best is None or found[0] > best[0]):
                best = found
            continue
        keys = identifier_keys(listed, prop_type=id_type)
        for prop_type, value in subject.identifiers:
            if keys & identifier_keys(value, prop_type=prop_type) and (best is None or best[0] < 1):
                best = (1.0, {"field": id_type, "value": value, "listed": listed, "score": 1.0})
    return Hit(entry, best[0], (best[1],)) if best else None


def score(entry: Entry, subject: Subject, *, name_threshold: float) -> Hit | None:
    """An identifier or plate match, else a name match above the threshold whose birth dates
    (when both are known) agree."""
    code = code_match(entry, subject)
    if code is not None:
        return code
    return name_match(entry, subject, name_threshold)


def match(
    entry: Entry, subject: Subject, *, name_threshold: float, day: date,
    keys: set[str] | None = None,
) -> Hit | None:  # fmt: skip
    """The rule: valid on ``day``, a shared blocking key, and a :func:`score`."""
    if not entry.valid_on(day):
        return None
    if (keys if keys is not None else subject_keys(subject)).isdisjoint(entry_keys(entry)):
        return None
    return score(entry, subject, name_threshold=name_threshold)


def order(hits: list[Hit]) -> list[Hit]:
    """Best first; ties by priority (1 most urgent), then entry id."""
    return sorted(hits, key=lambda h: (-h.score, h.entry.priority, h.entry.id))


def reference_screen(
    entries: Sequence[Entry], subject: Subject, *, name_threshold: float, today: date
) -> list[Hit]:
    """The rule applied to every entry, one by one (the index must return the same)."""
    day = subject.occurred_on or today
    keys = subject_keys(subject)
    hits = []
    for entry in entries:
        hit = match(entry, subject, name_threshold=name_threshold, day=day, keys=keys)
        if hit is not None:
            hits.append(hit)
    return order(hits)
