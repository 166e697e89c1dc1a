"""Reading documents back, always through the caller's datasets (compartments).

:func:`document_texts` is the function the search capability indexes from: it yields each
document's id, dataset, title, language and text, in id order, resumable with ``after``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, func, select

from pasienis.documents.errors import DocumentNotFoundError
from pasienis.documents.models import documents, mentions
from pasienis.model import canonical_ids
from pasienis.model.mention_links import mention_links
from pasienis.model.models import statements

_LIST_COLUMNS = (
    "id", "dataset", "file_name", "source_path", "parent_id", "depth", "schema", "mime_type",
    "size", "status", "reason", "language", "title", "pages", "chars", "ocr", "sha256",
    "created_at",
)  # fmt: skip


def _row(row: Any) -> dict[str, Any]:
    return {k: row._mapping[k] for k in _LIST_COLUMNS}


def list_documents(
    conn: Connection, *, datasets: Iterable[str], status: str | None = None,
    parent_id: str | None = None, limit: int = 100, offset: int = 0,
) -> list[dict[str, Any]]:  # fmt: skip
    """Documents in ``datasets``, newest first (optionally one status or one parent's members)."""
    query = select(documents).where(documents.c.dataset.in_(list(datasets)))
    if status:
        query = query.where(documents.c.status == status)
    if parent_id:
        query = query.where(documents.c.parent_id == parent_id)
    query = query.order_by(documents.c.created_at.desc(), documents.c.id).limit(limit)
    return [_row(r) for r in conn.execute(query.offset(offset))]


def get_document(conn: Connection, document_id: str, *, datasets: Iterable[str]) -> dict[str, Any]:
    """One document with its members' ids; invisible and unknown look the same."""
    row = conn.execute(
        select(documents).where(
            documents.c.id == document_id, documents.c.dataset.in_(list(datasets))
        )
    ).first()
    if row is None:
        raise DocumentNotFoundError(f"no document {document_id!r}")
    out = _row(row) | {"passages": row.passages, "page_starts": row.page_starts}
    children = conn.execute(
        select(documents.c.id).where(documents.c.parent_id == document_id).order_by(documents.c.id)
    )
    out["children"] = list(children.scalars())
    return out


def document_text(conn: Connection, document_id: str, *, datasets: Iterable[str]) -> str:
    """The extracted text of a document (its ``bodyText`` statement)."""
    get_document(conn, document_id, datasets=datasets)
    # The text as extracted (offsets refer to it): the cleaned value loses edge whitespace.
    found = conn.execute(
        select(func.coalesce(statements.c.original_value, statements.c.value)).where(
            statements.c.entity_id == document_id,
            statements.c.prop == "bodyText",
            statements.c.dataset.in_(list(datasets)),
        )
    ).first()
    return found[0] if found else ""


def _visible_ids(conn: Connection, ids: set[str], allowed: list[str]) -> set[str]:
    """The ids among ``ids`` with a statement in ``allowed`` datasets (one query per chunk)."""
    wanted = sorted(ids)
    out: set[str] = set()
    for start in range(0, len(wanted), 1000):
        out.update(conn.execute(
            select(statements.c.entity_id).where(
                statements.c.entity_id.in_(wanted[start : start + 1000]),
                statements.c.dataset.in_(allowed),
            ).distinct()
        ).scalars())  # fmt: skip
    return out


def _link_json(link: Any, canon: dict[str, str], visible: set[str]) -> dict[str, Any] | None:
    """A mention's link as the caller may see it: candidates they cannot read are left out
    (and counted), a link to such an entity shows as withheld."""
    if link is None:
        return None
    evidence = dict(link.evidence or {})
    cands = evidence.pop("candidates", [])
    shown = [c | {"canonical": canon.get(c["canonical"], c["canonical"]),
                  "support": [x for x in c.get("support", []) if x in visible]}
             for c in cands if c["canonical"] in visible]  # fmt: skip
    evidence["candidates"] = shown
    evidence["candidates_withheld"] = len(cands) - len(shown)
    for key in ("matched", "sources"):
        evidence.pop(key, None)  # source ids: the candidates say it through today's resolver
    entity = link.entity_id if link.entity_id in visible else None
    return {"status": link.status if entity or not link.entity_id else "withheld",
            "entity_id": entity, "canonical_id": canon.get(entity) if entity else None,
            "score": link.score, "evidence": evidence, "judgement_id": link.judgement_id,
            "updated_at": link.updated_at}  # fmt: skip


def document_mentions(
    conn: Connection, document_id: str, *, datasets: Iterable[str]
) -> list[dict[str, Any]]:
    """Mentions in a document, in text order, each with its ``link`` (status, canonical id,
    score, evidence). Links to entities the caller cannot see are withheld (the mention
    stays, its ``entity_id`` is ``None``)."""
    allowed = list(datasets)
    get_document(conn, document_id, datasets=allowed)
    rows = [dict(r._mapping) for r in conn.execute(
        select(mentions).where(mentions.c.document_id == document_id)
        .order_by(mentions.c.start_offset, mentions.c.kind)
    )]  # fmt: skip
    links = {r.mention_id: r for r in conn.execute(
        select(mention_links).where(mention_links.c.document_id == document_id))}  # fmt: skip
    ids = {r["entity_id"] for r in rows if r["entity_id"]}
    for link in links.values():
        ids |= {c["canonical"] for c in (link.evidence or {}).get("candidates", [])}
        ids |= {x for c in (link.evidence or {}).get("candidates", []) for x in c["support"]}
        if link.entity_id:
            ids.add(link.entity_id)
    visible = _visible_ids(conn, ids, allowed) if ids else set()
    canon = canonical_ids(conn, visible)
    for r in rows:
        link = links.get(r["id"])
        if link is not None:
            r["entity_id"] = link.entity_id
        if r["entity_id"] not in visible:
            r["entity_id"] = None
        r["link"] = _link_json(link, canon, visible)
    return rows


def document_texts(
    conn: Connection, *, datasets: Iterable[str] | None = None, after: str | None = None,
    limit: int = 1000,
) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Documents with text for a search index: id, dataset, title, language, file, text.

    Args:
        datasets: Only these datasets (``None``: all, for a server-side indexer that stores
            the dataset with each entry and filters at query time).
        after: Resume after this document id (ids are returned in ascending order).
        limit: Documents per call.
    """
    query = (
        select(documents.c.id, documents.c.dataset, documents.c.title, documents.c.language,
               documents.c.file_name,
               func.coalesce(statements.c.original_value, statements.c.value).label("text"))
        .join(statements, (statements.c.entity_id == documents.c.id)
              & (statements.c.prop == "bodyText"))
        .order_by(documents.c.id).limit(limit)
    )  # fmt: skip
    if datasets is not None:
        query = query.where(documents.c.dataset.in_(list(datasets)))
    if after is not None:
        query = query.where(documents.c.id > after)
    for row in conn.execute(query):
        yield {"id": row.id, "dataset": row.dataset, "title": row.title,
               "language": row.language, "file_name": row.file_name, "text": row.text}  # fmt: skip
