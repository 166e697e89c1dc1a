"""Edges from documents: ``mentions`` (document → entity) and ``co_mentioned`` (entity — entity).

The source is the entity model's mention links (:mod:`pasienis.model.mention_links`, written
by the documents capability: only links with enough evidence, or confirmed by an analyst).
Each linked mention is evidence of one ``mentions`` edge: the document, page, character
offsets, the passage around it and the link's score and rule. Two entities linked from the
same document are ``co_mentioned``; the edge's weight is the number of documents naming both,
and its evidence is their mentions in those documents. A document that links more than
:data:`CO_MENTION_CAP` entities (a list, a register extract) yields ``mentions`` edges but no
co-mention pairs; :func:`co_mention_skipped` counts those documents for the docs and the API.
The compartment of both edges is the document's dataset.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from pasienis.graph.links import CHUNK, Evidence, RawLink
from pasienis.model import canonical_ids
from pasienis.model.mention_links import LINKED_STATUSES, mention_links
from pasienis.model.models import statements

MENTIONS = "mentions"
CO_MENTIONED = "co_mentioned"
RELATIONS = (MENTIONS, CO_MENTIONED)
#: Linked entities per document above which it makes no co-mention pairs (n² pairs).
CO_MENTION_CAP = 50
#: Characters of text shown each side of a mention in its evidence.
PASSAGE = 120


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    items = sorted(set(ids))
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _linked(conn: Connection, where: Any = None) -> Iterator[Any]:
    m = mention_links.c
    query = select(m.mention_id, m.document_id, m.dataset, m.entity_id).where(
        m.status.in_(LINKED_STATUSES), m.entity_id.is_not(None)
    )
    yield from conn.execute(query if where is None else query.where(where))


def _rows_touching(conn: Connection, entities: Sequence[str] | None) -> list[Any]:
    """Linked mentions of documents that are, or link to, one of ``entities``."""
    if entities is None:
        return list(_linked(conn))
    m = mention_links.c
    docs: set[str] = set()
    for chunk in _chunks(entities):
        docs.update(chunk)  # an entity id may be a document
        docs.update(conn.execute(
            select(m.document_id).where(m.entity_id.in_(chunk)).distinct()).scalars())  # fmt: skip
    rows: list[Any] = []
    for chunk in _chunks(sorted(docs)):
        rows.extend(_linked(conn, m.document_id.in_(chunk)))
    return rows


def mention_links_of(conn: Connection, entities: Sequence[str] | None = None) -> Iterator[RawLink]:
    """``mentions`` and ``co_mentioned`` links (the projection's source for documents)."""
    rows = _rows_touching(conn, entities)
    per_edge: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in rows:
        per_edge[(r.document_id, r.entity_id, r.dataset)] += 1
    for (doc, entity, ds), n in per_edge.items():
        yield RawLink(doc, entity, MENTIONS, (ds,), n, None, None)
    yield from _co_mentions(conn, rows)


def _per_document(conn: Connection, rows: list[Any]) -> dict[tuple[str, str], set[str]]:
    """(document, dataset) -> canonical ids it links (one document counts once per pair)."""
    canon = canonical_ids(conn, {r.entity_id for r in rows})
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:
        out[(r.document_id, r.dataset)].add(canon[r.entity_id])
    return out


def _co_mentions(conn: Connection, rows: list[Any]) -> Iterator[RawLink]:
    pairs: dict[tuple[str, str, str], int] = defaultdict(int)
    for (_doc, ds), ents in _per_document(conn, rows).items():
        if len(ents) > CO_MENTION_CAP:
            continue
        ordered = sorted(ents)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                pairs[(a, b, ds)] += 1
    for (a, b, ds), n in pairs.items():
        yield RawLink(a, b, CO_MENTIONED, (ds,), n, None, None)


def co_mention_skipped(conn: Connection) -> int:
    """Documents linking more than :data:`CO_MENTION_CAP` entities (no co-mention pairs)."""
    m = mention_links.c
    per_doc = (
        select(m.document_id).where(m.status.in_(LINKED_STATUSES), m.entity_id.is_not(None))
        .group_by(m.document_id).having(func.count(m.entity_id.distinct()) > CO_MENTION_CAP)
    )  # fmt: skip
    return len(conn.execute(per_doc).all())


# --- evidence -----------------------------------------------------------------------------------
def _texts(conn: Connection, document_ids: set[str]) -> dict[str, str]:
    s = statements.c
    out: dict[str, str] = {}
    for chunk in _chunks(sorted(document_ids)):
        query = select(s.entity_id, func.coalesce(s.original_value, s.value)).where(
            s.entity_id.in_(chunk), s.prop == "bodyText"
        )
        out.update(dict(conn.execute(query).all()))
    return out


def _locators(conn: Connection, mention_ids: list[str]) -> dict[str, str]:
    """The provenance of each Mention (file, characters, page, confidence, method)."""
    s = statements.c
    out: dict[str, str] = {}
    for chunk in _chunks(mention_ids):
        query = select(s.entity_id, s.locator).where(s.entity_id.in_(chunk), s.prop == "id")
        out.update(dict(conn.execute(query).all()))
    return out


def _evidence_rows(
    conn: Connection, rel: str, srcs: list[str], dsts: list[str], datasets: frozenset[str]
) -> list[Any]:
    m = mention_links.c
    visible = [m.status.in_(LINKED_STATUSES), m.dataset.in_(sorted(datasets))]
    if rel == MENTIONS:
        where = [*visible, m.document_id.in_(srcs), m.entity_id.in_(dsts)]
        return list(conn.execute(select(mention_links).where(*where)))
    both = set(srcs) | set(dsts)
    docs_a = set(conn.execute(select(m.document_id).where(*visible, m.entity_id.in_(srcs)))
                 .scalars())  # fmt: skip
    docs_b = set(conn.execute(select(m.document_id).where(*visible, m.entity_id.in_(dsts)))
                 .scalars())  # fmt: skip
    docs = sorted(docs_a & docs_b)
    if not docs:
        return []
    query = select(mention_links).where(*visible, m.document_id.in_(docs),
                                        m.entity_id.in_(sorted(both)))  # fmt: skip
    return list(conn.execute(query))


def mention_evidence(
    conn: Connection, rel: str, srcs: list[str], dsts: list[str], datasets: frozenset[str]
) -> Iterator[Evidence]:
    """The linked mentions behind a ``mentions`` or ``co_mentioned`` edge, in text order."""
    rows = _evidence_rows(conn, rel, srcs, dsts, datasets)
    rows.sort(key=lambda r: (r.document_id, r.start_offset))
    texts = _texts(conn, {r.document_id for r in rows})
    locators = _locators(conn, [r.mention_id for r in rows])
    for r in rows:
        src, dst = (r.document_id, r.entity_id) if rel == MENTIONS else (srcs[0], dsts[0])
        text = texts.get(r.document_id, "")
        start, end = max(0, r.start_offset - PASSAGE), r.end_offset + PASSAGE
        evidence = r.evidence or {}
        detail = {
            "document_id": r.document_id, "entity_id": r.entity_id, "kind": r.kind,
            "page": r.page, "start": r.start_offset, "end": r.end_offset, "text": r.text,
            "passage": text[start:end], "passage_start": start, "score": r.score,
            "status": r.status, "rule": evidence.get("rule"),
            "judgement_id": r.judgement_id,
        }  # fmt: skip
        yield Evidence("mention", r.mention_id, src, dst, rel, r.dataset,
                       locators.get(r.mention_id), r.updated_at, detail)  # fmt: skip
