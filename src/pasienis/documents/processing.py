"""One document from extracted content to rows: language, mentions, statements."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from pasienis.documents.blobs import sha256_of
from pasienis.documents.entities import (
    Rows,
    link_identifiers,
    mention_id,
    mention_statements,
    page_of,
    page_statements,
    wanted_identifiers,
)
from pasienis.documents.extract import Extractor, Found, known_identifiers
from pasienis.documents.extract.context import disambiguate
from pasienis.documents.formats import Extracted
from pasienis.documents.language import passage_languages
from pasienis.documents.linking import (
    DocumentMentions,
    Linker,
    holder_entities,
    identifier_candidates,
)
from pasienis.documents.links import link_rows

if TYPE_CHECKING:
    from pasienis.documents.service import Batch


@dataclass
class Node:
    """A document being processed: identity, tree position, content and what was found."""

    id: str
    name: str
    source: str
    size: int
    sha256: str
    parent: Node | None
    depth: int
    extracted: Extracted | None = None
    reason: str | None = None
    language: str | None = None
    passages: list[tuple[int, int, str | None]] = field(default_factory=list)
    found: list[Found] = field(default_factory=list)

    @classmethod
    def failed(
        cls, doc_id: str, name: str, source: str, data: bytes, parent: Node | None, depth: int,
        reason: str,
    ) -> Node:  # fmt: skip
        """A document that could not be read, with the reason."""
        return cls(doc_id, name, source, len(data), sha256_of(data), parent, depth, reason=reason)

    @property
    def status(self) -> str:
        if self.extracted is None:
            return "failed"
        if self.extracted.needs_ocr:
            return "needs_ocr"
        return "partial" if self.extracted.problems else "processed"

    def summary(self, row: dict[str, Any]) -> dict[str, Any]:
        """The line of the batch report for this document."""
        keep = ("id", "status", "reason", "schema", "language", "chars", "pages", "parent_id")
        return {"file": self.source, **{k: row[k] for k in keep}, "mentions": len(self.found)}


def build_node(
    doc_id: str, name: str, source: str, data: bytes, parent: Node | None, depth: int,
    extracted: Extracted, extractor: Extractor,
) -> Node:  # fmt: skip
    """Detect languages and find mentions in a readable document."""
    node = Node(doc_id, name, source, len(data), sha256_of(data), parent, depth, extracted)
    text = extracted.text
    if not text.strip():
        return node
    spans = passage_languages(text, None)
    weights: Counter[str] = Counter()
    for start, end, lang in spans:
        if lang:
            weights[lang] += end - start
    node.language = weights.most_common(1)[0][0] if weights else None
    node.passages = [(s, e, lang or node.language) for s, e, lang in spans]
    if extracted.schema != "Package":  # an archive's text is its member list
        node.found = extractor.extract(text, node.passages)
    return node


def _reason(node: Node) -> str | None:
    ex = node.extracted
    if ex is None:
        return node.reason
    parts = ([ex.needs_ocr] if ex.needs_ocr else []) + ex.problems
    return "; ".join(parts) or None


def _document_props(node: Node) -> dict[str, Any]:
    ex = node.extracted
    props: dict[str, Any] = {
        "fileName": node.name, "contentHash": node.sha256, "fileSize": node.size,
        "processingStatus": node.status, "processingError": _reason(node),
    }  # fmt: skip
    if node.parent is not None:
        props["parent"] = node.parent.id
    if ex is not None:
        props |= {"mimeType": ex.mime_type, "encoding": ex.encoding, "bodyText": ex.text or None}
        props |= ex.meta
    if node.language:
        props["language"] = node.language
        props["detectedLanguage"] = node.language
    return props


def _document_row(node: Node, batch: Batch) -> dict[str, Any]:
    ex = node.extracted
    title = (ex.meta.get("title") or [None])[0] if ex else None
    return {
        "id": node.id, "dataset": batch.options.dataset, "sha256": node.sha256,
        "file_name": node.name, "source_path": node.source,
        "parent_id": node.parent.id if node.parent else None, "depth": node.depth,
        "schema": ex.schema if ex else "Document", "mime_type": ex.mime_type if ex else None,
        "size": node.size, "status": node.status, "reason": _reason(node),
        "language": node.language, "encoding": ex.encoding if ex else None, "title": title,
        "pages": len(ex.page_starts) if ex else 0, "chars": len(ex.text) if ex else 0,
        "ocr": int(bool(ex and ex.ocr)),
        "passages": [list(p) for p in node.passages] or None,
        "page_starts": (ex.page_starts or None) if ex else None,
        "job_id": batch.job_id, "created_by": batch.created_by,
        "created_at": batch.seen, "updated_at": batch.seen,
    }  # fmt: skip


def _mention_rows(node: Node, dataset: str) -> list[dict[str, Any]]:
    starts = node.extracted.page_starts if node.extracted else []
    langs = node.passages
    out = []
    for f in node.found:
        lang = next((lg for s, e, lg in langs if s <= f.start < e), node.language)
        out.append({
            "id": mention_id(node.id, f), "document_id": node.id, "dataset": dataset,
            "kind": f.kind, "start_offset": f.start, "end_offset": f.end,
            "page": page_of(starts, f.start),
            "text": f.text, "value": f.value, "entity_id": f.entity_id,
            "confidence": f.confidence, "method": f.method, "language": lang,
        })  # fmt: skip
    return out


def link_nodes(conn: Connection, nodes: list[Node], rows: Rows, batch: Batch) -> dict:
    """Find the stored entities the mentions name and decide each link (see :mod:`.linking`).

    ``f.entity_id`` then holds the decision (the linked entity, or ``None``); the extractor's
    own pick stays in the evidence (``matched``)."""
    found = [f for n in nodes for f in n.found]
    scope = batch.options.link_datasets
    known = known_identifiers(conn, wanted_identifiers(found), datasets=scope)
    new = link_identifiers(found, known, rows)
    holder_entities(conn, found, datasets=scope)
    identifier_candidates(conn, found, new, datasets=scope)
    # The first wave's choice among namesakes (kept as ``matched``: the benchmark baseline).
    disambiguate(conn, [n.found for n in nodes], datasets=scope)
    docs = [DocumentMentions(n.id, n.found, [mention_id(n.id, f) for f in n.found],
                             new_entities={f.entity_id for f in n.found if f.entity_id in new})
            for n in nodes if n.found]  # fmt: skip
    decisions = Linker(conn, datasets=scope).link(docs)
    for d in docs:
        for f, mid in zip(d.found, d.mention_ids, strict=True):
            if mid in decisions:
                f.entity_id = decisions[mid].entity_id
    return decisions


def node_rows(
    conn: Connection, nodes: list[Node], rows: Rows, batch: Batch
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Document, mention and mention-link rows for ``nodes``; statements go into ``rows``."""
    decisions = link_nodes(conn, nodes, rows, batch)
    doc_rows, mention_rows = [], []
    for node in nodes:
        ex = node.extracted
        props = _document_props(node)
        if ex is not None and node.found:
            props |= mention_statements(rows, node.id, node.source, node.found, ex.page_starts)
        schema = ex.schema if ex else "Document"
        rows.add(node.id, schema, props, node.source)
        if ex is not None and ex.page_starts:
            page_statements(rows, node.id, node.source, ex.text, ex.page_starts)
        doc_rows.append(_document_row(node, batch))
        mention_rows.extend(_mention_rows(node, batch.options.dataset))
    for row in doc_rows:
        if rows.problems:
            row["reason"] = "; ".join(filter(None, [row["reason"], *rows.problems[:5]]))
    return doc_rows, mention_rows, link_rows(decisions, mention_rows, at=batch.seen)
