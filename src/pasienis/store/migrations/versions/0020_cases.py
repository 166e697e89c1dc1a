"""Cases of the analyst workbench: cases, their items (charts, notes, references), activity.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False, comment="open or closed"),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_table(
        "case_items",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column(
            "kind", sa.String(16), nullable=False, comment="entity, document, alert, chart or note"
        ),
        sa.Column("ref", sa.String(256), nullable=True, comment="entity, document or alert id"),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("body", sa.JSON, nullable=True, comment="a chart's saved state or a note's text"),
        sa.Column("datasets", sa.JSON, nullable=False, comment="datasets the content came from"),
        sa.Column("version", sa.Integer, nullable=False, comment="1 + number of saves"),
        sa.Column("added_by", sa.String(128), nullable=False),
        sa.Column("added_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_items")),
    )
    op.create_index(op.f("ix_case_items_case_id"), "case_items", ["case_id"])
    op.create_table(
        "case_activity",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column(
            "action", sa.String(32), nullable=False, comment="created, item.added, member.added..."
        ),
        sa.Column("item_id", sa.String(32), nullable=True),
        sa.Column("detail", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_activity")),
    )
    op.create_index(op.f("ix_case_activity_case_id_at"), "case_activity", ["case_id", "at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_case_activity_case_id_at"), table_name="case_activity")
    op.drop_table("case_activity")
    op.drop_index(op.f("ix_case_items_case_id"), table_name="case_items")
    op.drop_table("case_items")
    op.drop_table("cases")
