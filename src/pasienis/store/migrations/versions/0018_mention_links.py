"""Mention links (document -mentions-> entity, in the entity model) and analysts' judgements.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mention_links",
        sa.Column("mention_id", sa.String(length=64), nullable=False,
                  comment="entity id of the Mention"),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False,
                  comment="the document's dataset"),
        sa.Column("kind", sa.String(length=24), nullable=False,
                  comment="person, company, plate, phone, ..."),
        sa.Column("status", sa.String(length=16), nullable=False,
                  comment="linked, unlinked, confirmed, rejected"),
        sa.Column("entity_id", sa.String(length=128), nullable=True,
                  comment="a source entity of the linked entity; empty when unlinked"),
        sa.Column("score", sa.Float(), nullable=False, comment="0..1: how sure the link is"),
        sa.Column("page", sa.Integer(), nullable=True, comment="1-based page, when paged"),
        sa.Column("start_offset", sa.Integer(), nullable=False,
                  comment="character offset in the text"),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False, comment="as written in the document"),
        sa.Column("evidence", sa.JSON(), nullable=False,
                  comment="rule, candidates, context, judgement"),
        sa.Column("judgement_id", sa.String(length=32), nullable=True,
                  comment="the analyst's, when judged"),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("mention_id", name=op.f("pk_mention_links")),
    )  # fmt: skip
    op.create_index(op.f("ix_mention_links_document_id"), "mention_links", ["document_id"])
    op.create_index(op.f("ix_mention_links_entity_id"), "mention_links", ["entity_id"])
    op.create_index("ix_mention_links_status_entity", "mention_links", ["status", "entity_id"])
    op.create_table(
        "document_mention_judgements",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("mention_id", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False,
                  comment="the document's dataset"),
        sa.Column("decision", sa.String(length=16), nullable=False,
                  comment="confirm, reject, clear"),
        sa.Column("entity_id", sa.String(length=128), nullable=True,
                  comment="the entity confirmed or rejected"),
        sa.Column("canonical_id", sa.String(length=128), nullable=True,
                  comment="its canonical id at the time"),
        sa.Column("actor", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_mention_judgements")),
    )  # fmt: skip
    op.create_index(op.f("ix_document_mention_judgements_mention_id"),
                    "document_mention_judgements", ["mention_id"])  # fmt: skip


def downgrade() -> None:
    op.drop_table("document_mention_judgements")
    op.drop_table("mention_links")
