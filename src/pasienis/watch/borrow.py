"""Birth dates a record lacks, borrowed from its travel document's other records.

Why: border guards leave the birth date empty on some crossings. An exact namesake of a
listed person then alerts on the name alone — no name score can tell two "Darius Sabonis"
apart — although the same passport's other crossings say he was born on another day. A
screener judges the person, not the bare row: the document number, read off the document,
ties the row to its holder's other rows, and those carry the birth date.

The rule (:func:`lends`, :func:`borrow`), one definition for imports, retro-screening and the
benchmark: a person record *with no birth date of its own* borrows every birth date of the
other records that (1) are in the same dataset (an alert is read under the record's
compartment: it must not show facts of another), (2) hold the same document number in the same
property (``passportNumber`` or ``idNumber``), (3) name no other nationality, and (4) carry a
name the screening's own name comparison puts at or above its threshold. Borrowed dates
then count like the record's own: a listed person born on another day is no match, one born
on that day gets the birth-date bonus — and the alert names the lending records.

What it cannot lose: a listed person on a new passport. That passport's other records carry
his own birth date (an alert with the bonus) or none (the name alone decides, as before);
only records that say he is someone born on another day keep the alert away, and a
document whose records disagree lends every date they give (any one may match).

:func:`document_holders` is the store's side: the records sharing a document value, found by
the ``(prop_type, value)`` index — candidates only; :func:`lends` decides.
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


def lends(holder: Holder, subject: Subject, *, threshold: float) -> dict[str, Any] | None:
    """The evidence that ``holder`` is a record of the subject's person (None: it is not)."""
    if holder.dataset != subject.dataset or holder.record_id == subject.record_id:
        return None
    shared = sorted(set(subject.documents) & holder.documents)
    if not shared or not holder.birth_dates:
        return None
    both = bool(subject.nationalities and holder.nationalities)
    if both and subject.nationalities.isdisjoint(holder.nationalities):
        return None  # another country's document with the same number
    best, best_name = 0.0, ""
    for typed in subject.names:
        for written in holder.names:
            s = max(name_similarity(written, typed), name_similarity(typed, written))
            if s > best:
                best, best_name = s, written
    if best < threshold:
        return None
    prop, value = shared[0]
    return {"record": holder.record_id, "dataset": holder.dataset, "name": best_name,
            "name_score": round(best, 4), "document": {"field": prop, "value": value}}  # fmt: skip


def borrow(subject: Subject, holders: Iterable[Holder], *, threshold: float) -> None:
    """Add the birth dates the subject's document lends it (and say where each came from)."""
    if not needs_birth_date(subject):
        return
    lent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for holder in holders:
        evidence = lends(holder, subject, threshold=threshold)
        if evidence is not None:
            for dob in holder.birth_dates:
                lent[dob].append(evidence)
    for dob, sources in lent.items():
        subject.birth_dates.add(dob)
        subject.borrowed_birth_dates[dob] = tuple(sorted(sources, key=lambda e: e["record"]))


def document_holders(conn: Connection, subjects: Sequence[Subject]) -> list[Holder]:
    """Stored records (live, in the subjects' datasets) naming a document value that a subject
    needing a birth date names: the candidates :func:`lends` is asked about."""
    wanting = [s for s in subjects if needs_birth_date(s)]
    values = sorted({v for s in wanting for p, v in s.documents})
    datasets = sorted({s.dataset for s in wanting})
    keys: set[tuple[str, str]] = set()
    for start in range(0, len(values), _CHUNK):
        q = select(statements.c.entity_id, statements.c.dataset).where(
            statements.c.prop_type == "identifier",
            statements.c.value.in_(values[start : start + _CHUNK]),
            statements.c.prop.in_(sorted(DOCUMENT_PROPS)),
            statements.c.dataset.in_(datasets),
            live(statements),
        )
        keys.update((r.entity_id, r.dataset) for r in conn.execute(q))
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
