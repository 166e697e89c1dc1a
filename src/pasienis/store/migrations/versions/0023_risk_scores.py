"""Risk scores of declarations (model + rules, with their explanation).

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_scores",
        sa.Column(
            "id", sa.String(64), nullable=False, comment="hash of declaration + model + rules"
        ),
        sa.Column("declaration_id", sa.String(128), nullable=False),
        sa.Column("reference", sa.String(64), nullable=True, comment="LRN or MRN"),
        sa.Column(
            "dataset", sa.String(64), nullable=False, comment="the declaration's compartment"
        ),
        sa.Column("occurred_at", UTCDateTime, nullable=True),
        sa.Column(
            "score", sa.Float, nullable=False, comment="log-odds: bias + contributions + rules"
        ),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("model_id", sa.String(64), nullable=True),
        sa.Column("rules_version", sa.Integer, nullable=True),
        sa.Column("rules_digest", sa.String(16), nullable=True),
        sa.Column(
            "explanation", sa.JSON, nullable=False, comment="bias, top features, rules fired"
        ),
        sa.Column("drift", sa.String(16), nullable=True, comment="stable, moving or shifted"),
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
