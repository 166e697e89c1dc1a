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

from pasienis.model.names import Names, name_tokens, names_of, token_keys
from pasienis.watch.rule import (
    DOB_BONUS,
    KIND_SCHEMATA,
    Entry,
    Hit,
    Subject,
    entry_code_keys,
    name_parts,
    order,
    score,
    similarity,
    stored_name_keys,
    subject_code_keys,
    subject_name_keys,
)

__all__ = ["Entry", "Hit", "Subject", "WatchIndex", "score"]

#: Float sums in another order may differ in the last bit: never skip a group that close.
_EPSILON = 1e-9
#: Distinct typed names whose reached groups are remembered (then forgotten all at once).
_REACHED_MAX = 200_000


@dataclass(slots=True)
class _Group:
    """Entries whose names have the same parts as written and known names (so the same name
    score for a record)."""

    keys: tuple[str, ...]
    #: Each key's part as a known name (:func:`pasienis.model.names.names_of`), aligned.
    names: tuple[frozenset[str], ...]
    #: Each key's part as written (:func:`pasienis.model.names.name_tokens`), aligned.
    tokens: tuple[str, ...]
    #: Record schemata the entries' kind screens (empty: any); a record of another schema
    #: fails the rule's name match, so only ``always`` entries are looked at for it.
    schemata: frozenset[str] = frozenset()
    undated: list[int] = field(default_factory=list)
    by_dob: dict[str, list[int]] = field(default_factory=dict)
    #: Entries with identifiers too: the rule may match them on a plate even when the name
    #: is far off, so they are scored whenever the group is looked up.
    always: list[int] = field(default_factory=list)
    #: ``undated`` and every ``by_dob`` entry (made once, when the index is built).
    everyone: tuple[int, ...] = ()

    def add(self, i: int, entry: Entry) -> None:
        if entry.identifiers:
            self.always.append(i)
        elif entry.birth_date:
            self.by_dob.setdefault(entry.birth_date, []).append(i)
        else:
            self.undated.append(i)

    def seal(self) -> None:
        self.everyone = (*self.undated, *(i for ids in self.by_dob.values() for i in ids))


_Parts = tuple[tuple[str, str, frozenset[str]], ...]


def _sorted_parts(name: str) -> _Parts:
    """A name's (part key, part as written, known names) in a fixed order: the group's
    identity."""
    parts = zip(token_keys(name), tuple(name_tokens(name)), names_of(name), strict=True)
    return tuple(sorted(parts, key=lambda p: (p[0], p[1], sorted(p[2]))))


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
        groups: dict[tuple[_Parts, frozenset[str]], int] = {}
        for i, entry in enumerate(entries):
            for key in entry_code_keys(entry):
                self._by_code[key].append(i)
            if not entry.name:
                continue
            parts = _sorted_parts(entry.name)
            schemata = KIND_SCHEMATA.get(entry.kind, frozenset())
            g = groups.get((parts, schemata))
            if g is None:
                g = groups[parts, schemata] = len(self._groups)
                keys = tuple(k for k, _, _ in parts)
                tokens = tuple(tk for _, tk, _ in parts)
                names = tuple(n for _, _, n in parts)
                self._groups.append(_Group(keys, names, tokens, schemata))
                for key in stored_name_keys(name_parts(entry.name)):
                    self._by_name[key].append(g)
            self._groups[g].add(i, entry)
        for group in self._groups:
            group.seal()
        #: Typed names (their key tuples) → the groups their blocking keys reach, each with
        #: its name score: records repeat names, and this is the same every time.
        self._reached: dict[
            tuple[tuple[tuple[str, ...], Names, tuple[str, ...]], ...], list[tuple[_Group, float]]
        ] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def _groups_reached(self, names: list[str]) -> list[tuple[_Group, float]]:
        typed = tuple((tuple(token_keys(n)), names_of(n), tuple(name_tokens(n))) for n in names)
        reached = self._reached.get(typed)
        if reached is None:
            groups: set[int] = set()
            for key in subject_name_keys(names):
                groups.update(self._by_name.get(key, ()))
            reached = []
            for g in sorted(groups):
                group = self._groups[g]
                best = max(
                    similarity(group.keys, t, group.names, n, group.tokens, tk)
                    for t, n, tk in typed
                )
                reached.append((group, best))
            if len(self._reached) >= _REACHED_MAX:
                self._reached.clear()
            self._reached[typed] = reached
        return reached

    def _name_candidates(self, subject: Subject, found: set[int]) -> None:
        dobs = subject.birth_dates
        floor = self.name_threshold - _EPSILON
        for group, best in self._groups_reached(subject.names):
            found.update(group.always)
            if group.schemata and subject.schema not in group.schemata:
                continue
            if best >= floor:  # dated namesakes born on other days fail the rule
                found.update(group.undated)
                if not dobs:
                    found.update(group.everyone)
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
