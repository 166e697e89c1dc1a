"""Tables of the documents capability: documents and their mentions.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _documents() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(length=64), nullable=False, comment="entity id of the document"),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False, comment="of the original bytes"),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column(
            "source_path", sa.Text(), nullable=True, comment="path as given, or parent!member"
        ),
        sa.Column("parent_id", sa.String(length=64), nullable=True, comment="e-mail or archive"),
        sa.Column(
            "depth", sa.Integer(), nullable=False, comment="0 for a file given, 1 for its members"
        ),
        sa.Column(
            "schema", sa.String(length=32), nullable=False, comment="FtM schema of the document"
        ),
        sa.Column("mime_type", sa.String(length=128), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False, comment="bytes of the original"),
        sa.Column(
            "status", sa.String(length=16), nullable=False, comment="processed, needs_ocr, failed"
        ),
        sa.Column("reason", sa.Text(), nullable=True, comment="why failed / needs_ocr / limited"),
        sa.Column(
            "language", sa.String(length=8), nullable=True, comment="ISO 639-1 of the whole text"
        ),
        sa.Column("encoding", sa.String(length=32), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False, comment="0 when the format has no pages"),
        sa.Column("chars", sa.Integer(), nullable=False, comment="length of the extracted text"),
        sa.Column("ocr", sa.Integer(), nullable=False, comment="1 when the text came from OCR"),
        sa.Column(
            "passages", sa.JSON(), nullable=True, comment="[start, end, language] per passage"
        ),
        sa.Column("page_starts", sa.JSON(), nullable=True, comment="character offset of each page"),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_dataset"), ["dataset"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_parent_id"), ["parent_id"], unique=False)


def _mentions() -> None:
    op.create_table(
        "document_mentions",
        sa.Column("id", sa.String(length=64), nullable=False, comment="entity id of the Mention"),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column(
            "kind", sa.String(length=24), nullable=False, comment="plate, phone, iban, person, ..."
        ),
        sa.Column(
            "start_offset", sa.Integer(), nullable=False, comment="character offset in the text"
        ),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True, comment="1-based page, when paged"),
        sa.Column("text", sa.Text(), nullable=False, comment="as written in the document"),
        sa.Column("value", sa.Text(), nullable=True, comment="normalised identifier or name key"),
        sa.Column("entity_id", sa.String(length=128), nullable=True, comment="what it resolves to"),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column(
            "method", sa.String(length=32), nullable=False, comment="validator, store, natasha, ..."
        ),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_mentions")),
    )
    with op.batch_alter_table("document_mentions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_mentions_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_document_mentions_entity_id"), ["entity_id"], unique=False
        )
        batch_op.create_index("ix_document_mentions_kind_value", ["kind", "value"], unique=False)


def upgrade() -> None:
    _documents()
    _mentions()


def downgrade() -> None:
    op.drop_table("document_mentions")
    op.drop_table("documents")
