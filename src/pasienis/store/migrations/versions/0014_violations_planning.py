"""Patrol plans (planning) and corrections of violations (new versions, never overwrites).

Revision ID: 0014
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0014"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patrol_plans",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, comment="draft or published"),
        sa.Column(
            "method", sa.String(64), nullable=False, comment="or-tools, or-tools mixed strategy"
        ),
        sa.Column("shift_start", UTCDateTime, nullable=False),
        sa.Column("shift_end", UTCDateTime, nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("stops", sa.JSON, nullable=False, comment="list of stops per unit, with reasons"),
        sa.Column("covered_risk", sa.Float, nullable=False),
        sa.Column("total_risk", sa.Float, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False, comment="baseline, entropy, solve time"),
        sa.Column("version", sa.Integer, nullable=False, comment="1 + number of edits"),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.Column("published_by", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_plans")),
    )

    op.create_table(
        "violation_corrections",
        sa.Column(
            "violation_id", sa.String(64), nullable=False, comment="the superseded violation"
        ),
        sa.Column("replacement_id", sa.String(64), nullable=False, comment="its new version"),
        sa.Column("corrected_by", sa.String(128), nullable=False),
        sa.Column("corrected_at", UTCDateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("violation_id", name=op.f("pk_violation_corrections")),
        sa.UniqueConstraint("replacement_id", name=op.f("uq_violation_corrections_replacement_id")),
    )


def downgrade() -> None:
    op.drop_table("violation_corrections")
    op.drop_table("patrol_plans")
