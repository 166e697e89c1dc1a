"""The screening index: listed entries by blocking key, grouped by name, built once per
watchlist generation (:mod:`.cache`).

Why in memory and grouped: screening runs for every imported record and every live plate read
against up to 100,000 entries, and real lists repeat names (the same full name listed dozens of
times with different birth dates). Entries with the same name keys form one group: its name
score is computed once per record, and its entries are split by birth date, so a record's
namesakes born on other days are never looked at one by one. What the index returns is exactly
what :func:`.rule.reference_screen` returns — the one rule decides every hit (:func:`.rule.score`)
and the index only skips entries the rule provably rejects (tested with hypothesis).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from pasienis.model.names import key_similarity, token_keys
from pasienis.watch.rule import (
    DOB_BONUS,
    Entry,
    Hit,
    Subject,
    entry_code_keys,
    name_parts,
    order,
    score,
    stored_name_keys,
    subject_code_keys,
    subject_name_keys,
)

__all__ = ["Entry", "Hit", "Subject", "WatchIndex", "score"]

#: Float sums in another order may differ in the last bit: never skip a group that close.
_EPSILON = 1e-9


@lru_cache(maxsize=1 << 18)
def _similarity(listed: tuple[str, ...], typed: tuple[str, ...]) -> float:
    """The rule's name similarity of two key tuples, remembered: records and lists repeat
    names, so the same pair is scored again and again."""
    return key_similarity(listed, typed)


@dataclass(slots=True)
class _Group:
    """Entries whose names have the same part keys (so the same name score for a record)."""

    keys: tuple[str, ...]
    undated: list[int] = field(default_factory=list)
    by_dob: dict[str, list[int]] = field(default_factory=dict)
    #: Entries with identifiers too: the rule may match them on a plate even when the name
    #: is far off, so they are scored whenever the group is looked up.
    always: list[int] = field(default_factory=list)

    def add(self, i: int, entry: Entry) -> None:
        if entry.identifiers:
            self.always.append(i)
        elif entry.birth_date:
            self.by_dob.setdefault(entry.birth_date, []).append(i)
        else:
            self.undated.append(i)

    def everyone(self) -> list[int]:
        return [*self.undated, *(i for ids in self.by_dob.values() for i in ids)]


class WatchIndex:
    """Entries by blocking key; :meth:`screen` returns the entries a subject matches."""

    def __init__(self, entries: list[Entry], *, name_threshold: float) -> None:
        self.entries = entries
        self.name_threshold = name_threshold
        #: Datasets of imported lists: their own records are the entries, not screened.
        self.imported_datasets = frozenset(e.dataset for e in entries if e.entity_id)
        self._by_code: dict[str, list[int]] = defaultdict(list)
        self._by_name: dict[str, list[int]] = defaultdict(list)
        self._groups: list[_Group] = []
        groups: dict[tuple[str, ...], int] = {}
        for i, entry in enumerate(entries):
            for key in entry_code_keys(entry):
                self._by_code[key].append(i)
            if not entry.name:
                continue
            keys = tuple(sorted(token_keys(entry.name)))
            g = groups.get(keys)
            if g is None:
                g = groups[keys] = len(self._groups)
                self._groups.append(_Group(keys))
                for key in stored_name_keys(name_parts(entry.name)):
                    self._by_name[key].append(g)
            self._groups[g].add(i, entry)

    def __len__(self) -> int:
        return len(self.entries)

    def _name_candidates(self, subject: Subject, found: set[int]) -> None:
        groups: set[int] = set()
        for key in subject_name_keys(subject.names):
            groups.update(self._by_name.get(key, ()))
        if not groups:
            return
        typed = [tuple(token_keys(n)) for n in subject.names]
        dobs = subject.birth_dates
        floor = self.name_threshold - _EPSILON
        for g in groups:
            group = self._groups[g]
            found.update(group.always)
            best = max(_similarity(group.keys, t) for t in typed)
            if best >= floor:  # dated namesakes born on other days fail the rule
                found.update(group.undated)
                if not dobs:
                    found.update(group.everyone())
            if dobs and best + DOB_BONUS >= floor:
                for dob in dobs:
                    found.update(group.by_dob.get(dob, ()))

    def screen(self, subject: Subject, *, today: date) -> list[Hit]:
        """Entries valid on the record's day that the subject matches, best first."""
        day = subject.occurred_on or today
        found: set[int] = set()
        for key in subject_code_keys(subject):
            found.update(self._by_code.get(key, ()))
        if subject.names:
            self._name_candidates(subject, found)
        hits = []
        for i in found:
            entry = self.entries[i]
            if not entry.valid_on(day):
                continue
            hit = score(entry, subject, name_threshold=self.name_threshold)
            if hit is not None:
                hits.append(hit)
        return order(hits)
