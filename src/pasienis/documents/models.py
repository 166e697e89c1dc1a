"""Tables of the documents capability: one row per document and one per mention.

The text and metadata themselves are statements (FtM ``Document``/``Email``/``Pages``/``Page``
and ``Mention`` entities); these tables hold what statements cannot: the processing status
with its reason, the parent/child tree of e-mails and archives, and every mention's exact
character offsets and confidence (a statement keeps one locator per value).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Index, Integer, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

documents = Table(
    "documents",
    metadata,
    Column("id", String(64), primary_key=True, comment="entity id of the document"),
    Column("dataset", String(64), nullable=False, index=True),
    Column("sha256", String(64), nullable=False, index=True, comment="of the original bytes"),
    Column("file_name", Text, nullable=False),
    Column("source_path", Text, nullable=True, comment="path as given, or parent!member"),
    Column("parent_id", String(64), nullable=True, index=True, comment="e-mail or archive"),
    Column("depth", Integer, nullable=False, comment="0 for a file given, 1 for its members"),
    Column("schema", String(32), nullable=False, comment="FtM schema of the document"),
    Column("mime_type", String(128), nullable=True),
    Column("size", Integer, nullable=False, comment="bytes of the original"),
    Column("status", String(16), nullable=False, comment="processed, needs_ocr, failed"),
    Column("reason", Text, nullable=True, comment="why failed / needs_ocr / limited"),
    Column("language", String(8), nullable=True, comment="ISO 639-1 of the whole text"),
    Column("encoding", String(32), nullable=True),
    Column("title", Text, nullable=True),
    Column("pages", Integer, nullable=False, comment="0 when the format has no pages"),
    Column("chars", Integer, nullable=False, comment="length of the extracted text"),
    Column("ocr", Integer, nullable=False, comment="1 when the text came from OCR"),
    Column("passages", JSON, nullable=True, comment="[start, end, language] per passage"),
    Column("page_starts", JSON, nullable=True, comment="character offset of each page"),
    Column("job_id", String(32), nullable=True),
    Column("created_by", String(128), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

mentions = Table(
    "document_mentions",
    metadata,
    Column("id", String(64), primary_key=True, comment="entity id of the Mention"),
    Column("document_id", String(64), nullable=False, index=True),
    Column("dataset", String(64), nullable=False),
    Column("kind", String(24), nullable=False, comment="plate, phone, iban, person, ..."),
    Column("start_offset", Integer, nullable=False, comment="character offset in the text"),
    Column("end_offset", Integer, nullable=False),
    Column("page", Integer, nullable=True, comment="1-based page, when paged"),
    Column("text", Text, nullable=False, comment="as written in the document"),
    Column("value", Text, nullable=True, comment="normalised identifier or name key"),
    Column("entity_id", String(128), nullable=True, index=True, comment="what it resolves to"),
    Column("confidence", Float, nullable=False),
    Column("method", String(32), nullable=False, comment="validator, store, natasha, ..."),
    Column("language", String(8), nullable=True),
)
Index("ix_document_mentions_kind_value", mentions.c.kind, mentions.c.value)

#: Analysts' judgements on mention links (append-only: who, when, why; the latest one of a
#: mention that is not reverted holds). ``clear`` hands the mention back to the linker.
mention_judgements = Table(
    "document_mention_judgements",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("mention_id", String(64), nullable=False, index=True),
    Column("document_id", String(64), nullable=False),
    Column("dataset", String(64), nullable=False, comment="the document's dataset"),
    Column("decision", String(16), nullable=False, comment="confirm, reject, clear"),
    Column("entity_id", String(128), nullable=True, comment="the entity confirmed or rejected"),
    Column("canonical_id", String(128), nullable=True, comment="its canonical id at the time"),
    Column("actor", String(128), nullable=True),
    Column("reason", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)
