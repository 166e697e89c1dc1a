"""``ingest_paths``: files and folders → stored originals, text, metadata and mentions.

Files are written in transactions of up to :data:`FILES_PER_WRITE` files given (each with
everything unpacked from it), so a crash leaves no half document; a file that cannot be read
is recorded as ``failed`` with the reason and the batch goes on. Ids are deterministic:
re-running skips documents already stored (``force`` re-processes them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from pasienis.documents.blobs import put_blob, sha256_of
from pasienis.documents.entities import Rows
from pasienis.documents.errors import DocumentPathError, UnreadableDocumentError
from pasienis.documents.extract import Extractor, load_name_index
from pasienis.documents.formats import Budget, Extracted, read_file
from pasienis.documents.links import write_links
from pasienis.documents.models import documents, mentions
from pasienis.documents.options import Options
from pasienis.documents.processing import Node, build_node, node_rows
from pasienis.model import make_id, write_statements
from pasienis.model.models import STATEMENT_COLUMNS
from pasienis.search import index_entities
from pasienis.security import ensure_datasets
from pasienis.store import OnConflict, Store

#: Files given (with their members) written per transaction: a crash loses at most these,
#: and a re-run redoes exactly them (ids are deterministic). One commit per file cost more
#: than the extraction on SQLite.
FILES_PER_WRITE = 100
NODES_PER_WRITE = 2_000
#: progress(done, total, message)
Progress = Callable[[int, int | None, str], None]


@dataclass
class IngestReport:
    """What a batch did: one entry per document (members included), counts by status."""

    documents: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.documents:
            out[d["status"]] = out.get(d["status"], 0) + 1
        return out

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        """Counts and documents; with ``limit``, at most that many, problems first."""
        docs = self.documents
        if limit is not None and len(docs) > limit:
            ok = ("processed", "unchanged")
            docs = (
                [d for d in docs if d["status"] not in ok] + [d for d in docs if d["status"] in ok]
            )[:limit]
        return {"counts": self.counts, "documents": docs, "listed": len(docs)}


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file under ``paths`` (folders recursively, sorted); a missing path raises."""
    for path in paths:
        path = Path(path)
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            raise DocumentPathError(f"{path}: no such file or folder", hint="check the path")


def document_id(dataset: str, digest: str, parent: Node | None, name: str) -> str:
    """A file given is identified by its content; a member also by where it sits."""
    if parent is None:
        return make_id("document", dataset, digest)
    return make_id("document", dataset, parent.id, name, digest)


ENTITY_ID = STATEMENT_COLUMNS.index("entity_id")
SCHEMA = STATEMENT_COLUMNS.index("schema")
NOT_INDEXED = frozenset({"Mention", "Page"})


class Batch:
    """One ingest batch: the extractor (built once), options, who and when."""

    def __init__(
        self, store: Store, options: Options, *, created_by: str | None, job_id: str | None
    ) -> None:
        self.store, self.options = store, options
        self.created_by, self.job_id = created_by, job_id
        self.seen = datetime.now(UTC)
        with store.read() as conn:
            index = load_name_index(conn, datasets=options.link_datasets)
        self.extractor = Extractor(index=index, ner=options.ner, spacy_model=options.spacy_model)
        self.report = IngestReport()
        self._pending: list[Node] = []
        self._pending_ids: set[str] = set()
        self._files = 0
        with store.begin() as conn:
            ensure_datasets(conn, [options.dataset], classification="restricted")

    def add_bytes(self, data: bytes, name: str, source: str) -> None:
        """Process one file given (and what it contains); written with the next flush."""
        budget = self.options.budget()
        nodes: list[Node] = []
        self._walk(data, name, source, None, 0, budget, nodes)
        self._pending.extend(nodes)
        self._pending_ids.update(n.id for n in nodes)
        self._files += 1
        if self._files >= FILES_PER_WRITE or len(self._pending) >= NODES_PER_WRITE:
            self.flush()

    def flush(self) -> None:
        """Write what was processed since the last flush, in one transaction."""
        nodes, self._pending, self._pending_ids, self._files = self._pending, [], set(), 0
        self._write(nodes)

    def add_path(self, path: Path) -> None:
        """Read and process one file from disk; an unreadable file is recorded as failed."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            node = Node.failed(make_id("document", self.options.dataset, str(path)), path.name,
                               str(path), b"", None, 0, f"cannot read the file: {exc}")  # fmt: skip
            self._pending.append(node)
            self._pending_ids.add(node.id)
            return
        self.add_bytes(data, path.name, str(path))

    def _exists(self, doc_id: str) -> bool:
        if doc_id in self._pending_ids:
            return True
        with self.store.read() as conn:
            found = conn.execute(select(documents.c.status).where(documents.c.id == doc_id))
            return found.first() is not None

    def _walk(
        self, data: bytes, name: str, source: str, parent: Node | None, depth: int,
        budget: Budget, nodes: list[Node],
    ) -> None:  # fmt: skip
        digest = sha256_of(data)
        doc_id = document_id(self.options.dataset, digest, parent, name)
        if not self.options.force and self._exists(doc_id):
            self.report.documents.append({"id": doc_id, "file": source, "status": "unchanged"})
            return
        put_blob(self.options.root, data, digest)
        if depth > self.options.max_depth:
            why = (
                f"nested {depth} deep, below PASIENIS_DOCUMENTS_MAX_DEPTH={self.options.max_depth}"
            )
            nodes.append(Node.failed(doc_id, name, source, data, parent, depth, why))
            return
        try:
            extracted: Extracted = read_file(data, name, ocr=self.options.ocr, budget=budget)
        except UnreadableDocumentError as exc:
            nodes.append(Node.failed(doc_id, name, source, data, parent, depth, exc.message))
            return
        node = build_node(doc_id, name, source, data, parent, depth, extracted, self.extractor)
        nodes.append(node)
        for member in extracted.members:
            self._walk(member.data, member.name, f"{source}!{member.name}", node, depth + 1,
                       budget, nodes)  # fmt: skip

    def _write(self, nodes: list[Node]) -> None:
        if not nodes:
            return
        rows = Rows(self.options.dataset, self.seen, self.job_id)
        with self.store.begin() as conn:
            doc_rows, mention_rows, links = node_rows(conn, nodes, rows, self)
            ids = [r["id"] for r in doc_rows]
            conn.execute(delete(mentions).where(mentions.c.document_id.in_(ids)))
            conn.execute(delete(documents).where(documents.c.id.in_(ids)))
            conn.execute(documents.insert(), doc_rows)
            if mention_rows:
                cols = tuple(mention_rows[0])
                self.store.bulk_insert(conn, mentions, cols,
                                       [tuple(r.values()) for r in mention_rows],
                                       on_conflict=OnConflict.IGNORE)  # fmt: skip
            write_links(conn, links, ids)
            write_statements(self.store, conn, rows.rows)
            # Searchable at once, in the same transaction: the documents (their text and the
            # identifiers they mention) and the entities they created. Not each Mention and
            # Page: a search for a phone lists the reports that name it, not every mention.
            index_entities(self.store, conn, {row[ENTITY_ID] for row in rows.rows
                                              if row[SCHEMA] not in NOT_INDEXED})  # fmt: skip
        for node, row in zip(nodes, doc_rows, strict=True):
            self.report.documents.append(node.summary(row))


def ingest_paths(
    store: Store,
    paths: Iterable[Path],
    *,
    options: Options,
    created_by: str | None = None,
    job_id: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest files and folders (recursively). Unreadable files are recorded, not fatal."""
    files = list(iter_files(paths))
    batch = Batch(store, options, created_by=created_by, job_id=job_id)
    for i, path in enumerate(files):
        batch.add_path(path)
        if progress is not None:
            progress(i + 1, len(files), path.name)
    batch.flush()
    return batch.report
