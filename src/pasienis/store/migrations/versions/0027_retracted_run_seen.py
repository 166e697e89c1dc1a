"""The time a retracted run stamped on what it wrote, so that what a later run stated again
stays in the live view (``pasienis.model.live``).

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("retracted_runs") as batch:
        batch.add_column(
            sa.Column(
                "run_seen_at",
                UTCDateTime(),
                nullable=True,
                comment="the run's started_at: the first and last seen time of its statements",
            )
        )
    op.execute(
        "UPDATE retracted_runs SET run_seen_at = "
        "(SELECT started_at FROM import_runs WHERE import_runs.id = retracted_runs.run_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("retracted_runs") as batch:
        batch.drop_column("run_seen_at")
