"""Grants carry a permission (read, or write which includes read); jobs name their dataset.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing grants were read grants: writing needed no grant before, and now needs one.
    with op.batch_alter_table("access_grants") as batch:
        batch.add_column(
            sa.Column(
                "permission",
                sa.String(length=8),
                nullable=False,
                server_default="read",
                comment="read, or write (which includes read)",
            )
        )
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column(
                "dataset",
                sa.String(length=64),
                nullable=True,
                comment="the dataset the job reads or writes; its grants decide who sees the job",
            )
        )
    # Import jobs from before: their dataset is the one of the run they made.
    op.execute(
        "UPDATE jobs SET dataset = (SELECT MIN(import_runs.dataset) FROM import_runs "
        "WHERE import_runs.job_id = jobs.id) WHERE dataset IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("dataset")
    with op.batch_alter_table("access_grants") as batch:
        batch.drop_column("permission")
