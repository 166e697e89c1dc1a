"""Choosing among namesakes by what else the document mentions.

Registers hold two "UAB „Baltijos partneriai“" and crossings two "Jonas Petraitis". A report
that names one of them usually also names its bank account, vehicle or phone; the candidate
linked to those (a statement such as an Ownership of the account, or a crossing with the
vehicle) is the one meant. A candidate with no such link keeps the lower confidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, select

from pasienis.documents.extract.base import Found
from pasienis.model.events import border_crossings, declarations
from pasienis.model.models import statements

RESOLVED_CONFIDENCE = 0.9


def _refs(conn: Connection, ids: set[str], datasets: list[str] | None) -> dict[str, set[str]]:
    """Entities one statement away from ``ids``, in both directions and through a link entity
    (an Ownership, a Passport: one hop through an entity that refers to both)."""
    out: dict[str, set[str]] = defaultdict(set)
    s = statements.c

    def where(query):  # type: ignore[no-untyped-def]
        return query.where(s.dataset.in_(datasets)) if datasets is not None else query

    forward = where(
        select(s.entity_id, s.value).where(s.entity_id.in_(ids), s.prop_type == "entity")
    )
    for entity_id, value in conn.execute(forward):
        out[entity_id].add(value)
    back = where(select(s.entity_id, s.value).where(s.value.in_(ids), s.prop_type == "entity"))
    holders: dict[str, set[str]] = defaultdict(set)
    for holder, value in conn.execute(back):
        out[value].add(holder)
        holders[holder].add(value)
    if holders:
        far = where(
            select(s.entity_id, s.value).where(s.entity_id.in_(holders), s.prop_type == "entity")
        )
        for holder, value in conn.execute(far):
            for cand in holders[holder]:
                out[cand].add(value)
    return out


def _events(conn: Connection, ids: set[str], datasets: list[str] | None) -> dict[str, set[str]]:
    """Vehicles a person crossed the border in; vehicles of a company's declarations."""
    out: dict[str, set[str]] = defaultdict(set)
    bc, dc = border_crossings.c, declarations.c
    queries = [select(bc.person_id, bc.vehicle_id).where(bc.person_id.in_(ids)).distinct()]
    for col in (dc.declarant_id, dc.consignor_id, dc.consignee_id):
        queries.append(select(col, dc.vehicle_id).where(col.in_(ids)).distinct())
    for query in queries:
        table_dataset = query.selected_columns[0].table.c.dataset
        if datasets is not None:
            query = query.where(table_dataset.in_(datasets))
        for entity_id, other in conn.execute(query):
            if other:
                out[entity_id].add(other)
    return out


def related_entities(
    conn: Connection, ids: set[str], *, datasets: Iterable[str] | None = None
) -> dict[str, set[str]]:
    """Source entity id -> entities one statement (or one link entity, or one crossing or
    declaration) away: what a document's other mentions are checked against."""
    allowed = list(datasets) if datasets is not None else None
    links = _refs(conn, ids, allowed)
    for entity_id, others in _events(conn, ids, allowed).items():
        links[entity_id] |= others
    return links


def disambiguate(
    conn: Connection, documents: list[list[Found]], *, datasets: Iterable[str] | None = None
) -> None:
    """Re-link ambiguous name mentions to the candidate their document's context supports.

    ``documents``: the mentions of each document; the links of every candidate of the batch
    are read with one set of queries.
    """
    work = []
    for found in documents:
        ambiguous = [f for f in found if f.candidates]
        context = {f.entity_id for f in found if f.entity_id and not f.candidates}
        if ambiguous and context:
            work.append((ambiguous, context))
    if not work:
        return
    allowed = list(datasets) if datasets is not None else None
    ids = {c for ambiguous, _ in work for f in ambiguous for c in f.candidates}
    links = _refs(conn, ids, allowed)
    for entity_id, others in _events(conn, ids, allowed).items():
        links[entity_id] |= others
    for ambiguous, context in work:
        for f in ambiguous:
            _choose(f, links, context)


def _choose(f: Found, links: dict[str, set[str]], context: set[str]) -> None:
    support = {c: len(links.get(c, set()) & context) for c in f.candidates}
    best = max(support.values())
    winners = [c for c in f.candidates if support[c] == best]
    if best and len(winners) == 1:
        f.entity_id, f.confidence = winners[0], RESOLVED_CONFIDENCE
        f.method = "store+context"
