"""Co-travel pairs record every dataset of their supporting reads (crossings count as reads).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "graph_cotravel",
        sa.Column(
            "datasets",
            sa.JSON,
            nullable=True,
            comment="every dataset of the supporting reads (crossings too): the compartment",
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("graph_cotravel") as batch:
        batch.drop_column("datasets")
