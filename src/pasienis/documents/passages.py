"""The documents that mention an entity, each mention with the passage around it.

For an entity profile: which reports, e-mails or scans name this person, plate or phone, and
where. Offsets in the answer are relative to the passage, so a browser can highlight the
mention without fetching the whole text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select

from pasienis.documents.models import documents
from pasienis.model.mention_links import LINKED_STATUSES, mention_links
from pasienis.model.models import statements

#: Characters of context shown on each side of a mention.
CONTEXT = 160


def entity_mentions(
    conn: Connection, entity_ids: Iterable[str], *, datasets: Iterable[str], limit: int = 200
) -> dict[str, Any]:
    """Mentions linked (by the linker, or confirmed by an analyst) to any of ``entity_ids`` in
    documents of ``datasets``, newest document first; ``truncated`` says when more than
    ``limit`` exist (never cut silently)."""
    allowed, ids = list(datasets), list(entity_ids)
    if not ids or not allowed:
        return {"mentions": [], "truncated": False}
    ml = mention_links
    rows = conn.execute(
        select(ml, documents.c.title, documents.c.file_name, documents.c.created_at)
        .join(documents, documents.c.id == ml.c.document_id)
        .where(ml.c.entity_id.in_(ids), ml.c.status.in_(LINKED_STATUSES),
               documents.c.dataset.in_(allowed), ml.c.dataset.in_(allowed))
        .order_by(documents.c.created_at.desc(), ml.c.document_id, ml.c.start_offset)
        .limit(limit + 1)
    ).all()  # fmt: skip
    texts = _texts(conn, {r.document_id for r in rows[:limit]}, allowed)
    out = []
    for r in rows[:limit]:
        text = texts.get(r.document_id, "")
        start, end = max(0, r.start_offset - CONTEXT), min(len(text), r.end_offset + CONTEXT)
        out.append({
            "id": r.mention_id, "document_id": r.document_id, "title": r.title or r.file_name,
            "file_name": r.file_name, "dataset": r.dataset, "kind": r.kind, "page": r.page,
            "text": r.text, "entity_id": r.entity_id, "confidence": r.score,
            "method": (r.evidence or {}).get("rule"), "status": r.status,
            "start_offset": r.start_offset, "end_offset": r.end_offset,
            "passage": text[start:end], "passage_start": r.start_offset - start,
            "passage_end": r.end_offset - start, "clipped_before": start > 0,
            "clipped_after": end < len(text),
        })  # fmt: skip
    return {"mentions": out, "truncated": len(rows) > limit}


def _texts(conn: Connection, doc_ids: set[str], allowed: list[str]) -> dict[str, str]:
    if not doc_ids:
        return {}
    found = conn.execute(
        select(statements.c.entity_id,
               func.coalesce(statements.c.original_value, statements.c.value))
        .where(statements.c.entity_id.in_(sorted(doc_ids)), statements.c.prop == "bodyText",
               statements.c.dataset.in_(allowed))
    ).all()  # fmt: skip
    return {str(doc_id): str(text) for doc_id, text in found}
