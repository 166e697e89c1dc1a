"""Retention policies per dataset and per table (security.retention).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_policies",
        sa.Column("scope_kind", sa.String(length=16), nullable=False, comment="dataset or table"),
        sa.Column(
            "scope", sa.String(length=128), nullable=False, comment="dataset name or table name"
        ),
        sa.Column("period_days", sa.Integer(), nullable=False, comment="keep data this many days"),
        sa.Column("review_every_days", sa.Integer(), nullable=False),
        sa.Column("next_review_at", UTCDateTime(), nullable=False),
        sa.Column(
            "hold_until", UTCDateTime(), nullable=True, comment="expired data kept until then"
        ),
        sa.Column("basis", sa.Text(), nullable=True, comment="why the data is kept (legal basis)"),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("last_reviewed_by", sa.String(length=128), nullable=True),
        sa.Column("last_reviewed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("scope_kind", "scope", name=op.f("pk_retention_policies")),
    )


def downgrade() -> None:
    op.drop_table("retention_policies")
