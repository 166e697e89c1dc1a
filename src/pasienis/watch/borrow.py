"""Birth dates a record lacks, borrowed from its travel document's other records.

Why: border guards leave the birth date empty on some crossings. An exact namesake of a
listed person then alerts on the name alone — no name score can tell two "Darius Sabonis"
apart — although the same passport's other crossings say he was born on another day. A
screener judges the person, not the bare row: the document number, read off the document,
ties the row to its holder's other rows, and those carry the birth date.

The rule (:func:`lent_by`), one definition for imports, retro-screening and the benchmark: a
person record *with no birth date of its own* borrows every birth date of the other records
that (1) are in the same dataset (an alert is read under the record's compartment: it must not
show facts of another), (2) hold the same document number in the same property
(``passportNumber`` or ``idNumber``) and (3) name no other nationality — provided that every
such record of that document carries a name the screening's own name comparison puts at or
above its threshold (a number shared by two people identifies neither). Borrowed dates then
count like the record's own: a listed person born on another day is no match, one born on
that day gets the birth-date bonus — and the alert names the lending records.

What it cannot lose: a listed person on a new passport. That passport's other records carry
his own birth date (an alert with the bonus) or none (the name alone decides, as before);
only records that say he is someone born on another day keep the alert away, and a
document whose records disagree lends every date they give (any one may match).

:func:`document_holders` is the store's side: the records sharing a document value, found by
the ``(prop_type, value)`` index — candidates only; :func:`lent_by` decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from pasienis.model import live
from pasienis.model.models import statements
from pasienis.watch.rule import Subject, name_similarity

#: Properties whose value identifies one document (and so its holder).
DOCUMENT_PROPS = frozenset({"passportNumber", "idNumber"})
_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class Holder:
    """Another record naming a document: what it says about the document's holder."""

    record_id: str
    dataset: str
    documents: frozenset[tuple[str, str]]
    names: tuple[str, ...]
    birth_dates: frozenset[str]
    nationalities: frozenset[str]


def needs_birth_date(subject: Subject) -> bool:
    """A person record with a document and no birth date of its own."""
    return subject.schema == "Person" and bool(subject.documents) and not subject.birth_dates


def _shares(holder: Holder, subject: Subject) -> list[tuple[str, str]]:
    """The subject's documents ``holder`` also names (same dataset, another record, no other
    nationality): a record of that document, whoever it names."""
    if holder.dataset != subject.dataset or holder.record_id == subject.record_id:
        return []
    both = bool(subject.nationalities and holder.nationalities)
    if both and subject.nationalities.isdisjoint(holder.nationalities):
        return []  # another country's document with the same number
    return sorted(set(subject.documents) & holder.documents)


def _same_name(holder: Holder, subject: Subject) -> tuple[float, str]:
    best, best_name = 0.0, ""
    for typed in subject.names:
        for written in holder.names:
            s = max(name_similarity(written, typed), name_similarity(typed, written))
            if s > best:
                best, best_name = s, written
    return best, best_name


def lent_by(
    subject: Subject, holders: Iterable[Holder], *, threshold: float
) -> dict[str, tuple[dict[str, Any], ...]]:
    """Birth date → the records that lend it to the subject (each with its evidence).

    A document lends when every other record of it names the subject's person (a name at or
    above ``threshold``); a number that names someone else too (a placeholder like "000000",
    a number typed into the wrong record) identifies no one, and lends nothing."""
    if not needs_birth_date(subject):
        return {}
    of_document: dict[tuple[str, str], list[Holder]] = defaultdict(list)
    for holder in holders:
        for document in _shares(holder, subject):
            of_document[document].append(holder)
    lent: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for (prop, value), records in sorted(of_document.items()):
        named = [(h, *_same_name(h, subject)) for h in records]
        if any(score < threshold for _, score, _ in named):
            continue
        for holder, score, name in named:
            evidence = {"record": holder.record_id, "dataset": holder.dataset, "name": name,
                        "name_score": round(score, 4),
                        "document": {"field": prop, "value": value}}  # fmt: skip
            for dob in holder.birth_dates:
                lent[dob].setdefault(holder.record_id, evidence)
    return {dob: tuple(by[r] for r in sorted(by)) for dob, by in sorted(lent.items())}


def borrow(subject: Subject, holders: Iterable[Holder], *, threshold: float) -> None:
    """Add the birth dates the subject's document lends it (and say where each came from)."""
    for dob, sources in lent_by(subject, holders, threshold=threshold).items():
        subject.birth_dates.add(dob)
        subject.borrowed_birth_dates[dob] = sources


def records_naming(
    conn: Connection, values: Iterable[str], datasets: Iterable[str]
) -> list[tuple[str, str, str, str]]:
    """(record id, dataset, property, value) of the live records in ``datasets`` that name one
    of the document ``values``, found by the ``(prop_type, value)`` index."""
    ordered = sorted(set(values))
    found: list[tuple[str, str, str, str]] = []
    for start in range(0, len(ordered), _CHUNK):
        q = select(statements.c.entity_id, statements.c.dataset, statements.c.prop,
                   statements.c.value).where(
            statements.c.prop_type == "identifier",
            statements.c.value.in_(ordered[start : start + _CHUNK]),
            statements.c.prop.in_(sorted(DOCUMENT_PROPS)),
            statements.c.dataset.in_(sorted(datasets)),
            live(statements),
        )  # fmt: skip
        found.extend(tuple(r) for r in conn.execute(q))
    return found


def document_holders(conn: Connection, subjects: Sequence[Subject]) -> list[Holder]:
    """Stored records (live, in the subjects' datasets) naming a document value that a subject
    needing a birth date names: the candidates :func:`lent_by` is asked about."""
    wanting = [s for s in subjects if needs_birth_date(s)]
    values = {v for s in wanting for p, v in s.documents}
    datasets = sorted({s.dataset for s in wanting})
    keys = {(eid, ds) for eid, ds, _, _ in records_naming(conn, values, datasets)}
    facts: dict[tuple[str, str], dict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))
    ids = sorted({eid for eid, _ in keys})
    for start in range(0, len(ids), _CHUNK):
        q = select(statements.c.entity_id, statements.c.dataset, statements.c.prop,
                   statements.c.prop_type, statements.c.value).where(
            statements.c.entity_id.in_(ids[start : start + _CHUNK]),
            statements.c.dataset.in_(datasets), live(statements),
        )  # fmt: skip
        for eid, ds, prop, prop_type, value in conn.execute(q):
            if (eid, ds) not in keys:
                continue
            f = facts[eid, ds]
            if prop in DOCUMENT_PROPS:
                f["documents"].add((prop, value))
            elif prop == "birthDate":
                f["birth_dates"].add(value[:10])
            elif prop == "nationality":
                f["nationalities"].add(value)
            elif prop_type == "name":
                f["names"].add(value)
    return [_holder(eid, ds, f) for (eid, ds), f in sorted(facts.items())]


def _holder(record_id: str, dataset: str, facts: dict[str, set[Any]]) -> Holder:
    return Holder(record_id, dataset, frozenset(facts["documents"]), tuple(sorted(facts["names"])),
                  frozenset(facts["birth_dates"]), frozenset(facts["nationalities"]))  # fmt: skip


def borrow_birth_dates(conn: Connection, subjects: Sequence[Subject], *, threshold: float) -> int:
    """Lend each subject that needs one the birth dates of its document's other stored
    records (:func:`borrow`); returns how many subjects borrowed."""
    holders = document_holders(conn, subjects)
    if not holders:
        return 0
    by_document: dict[tuple[str, str, str], list[Holder]] = defaultdict(list)
    for holder in holders:
        for prop, value in holder.documents:
            by_document[holder.dataset, prop, value].append(holder)
    lent = 0
    for subject in subjects:
        if not needs_birth_date(subject):
            continue
        near = {h.record_id: h for p, v in subject.documents
                for h in by_document.get((subject.dataset, p, v), ())}  # fmt: skip
        borrow(subject, near.values(), threshold=threshold)
        lent += bool(subject.borrowed_birth_dates)
    return lent
