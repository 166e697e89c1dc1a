"""Risk scores of declarations (model + rules, with their explanation).

Revision ID: 0023
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0023"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_scores",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("declaration_id", sa.String(128), nullable=False),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("occurred_at", UTCDateTime, nullable=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("model_id", sa.String(64), nullable=True),
        sa.Column("rules_version", sa.Integer, nullable=True),
        sa.Column("rules_digest", sa.String(16), nullable=True),
        sa.Column("explanation", sa.JSON, nullable=False),
        sa.Column("drift", sa.String(16), nullable=True),
        sa.Column("alert_id", sa.String(64), nullable=True),
        sa.Column("scored_by", sa.String(128), nullable=False),
        sa.Column("scored_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_risk_scores_declaration_id", "risk_scores", ["declaration_id"])
    op.create_index("ix_risk_scores_dataset_score", "risk_scores", ["dataset", "score"])


def downgrade() -> None:
    op.drop_index("ix_risk_scores_dataset_score", "risk_scores")
    op.drop_index("ix_risk_scores_declaration_id", "risk_scores")
    op.drop_table("risk_scores")
