"""Ingest administration: run statuses and warnings, value-level quarantine, retracted runs.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_runs") as batch:
        batch.alter_column(
            "status",
            type_=sa.String(length=32),
            existing_type=sa.String(length=16),
            existing_nullable=False,
            existing_comment="running, completed, failed, skipped",
            comment="running, completed, completed_with_quarantine, failed",
        )
        batch.alter_column(
            "quarantined",
            existing_type=sa.Integer(),
            existing_nullable=False,
            comment="records quarantined",
        )
        batch.add_column(
            sa.Column(
                "quarantined_values",
                sa.Integer(),
                nullable=False,
                server_default="0",
                comment="values quarantined on their own (their entities went in)",
            )
        )
        batch.add_column(
            sa.Column(
                "warnings",
                sa.JSON(),
                nullable=True,
                comment="what the run warns about, as text lines",
            )
        )
    with op.batch_alter_table("quarantine") as batch:
        batch.add_column(
            sa.Column(
                "kind",
                sa.String(length=8),
                nullable=True,
                comment="record (NULL in old rows) or value",
            )
        )
        batch.add_column(
            sa.Column(
                "entity_id",
                sa.String(length=128),
                nullable=True,
                comment="a value's entity (kind value)",
            )
        )
        batch.add_column(
            sa.Column(
                "prop",
                sa.String(length=64),
                nullable=True,
                comment="a value's property (kind value)",
            )
        )
    op.create_table(
        "retracted_runs",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("retracted_by", sa.String(length=128), nullable=True),
        sa.Column("retracted_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.create_index("ix_retracted_runs_dataset", "retracted_runs", ["dataset"])


def downgrade() -> None:
    op.drop_index("ix_retracted_runs_dataset", table_name="retracted_runs")
    op.drop_table("retracted_runs")
    with op.batch_alter_table("quarantine") as batch:
        for name in ("prop", "entity_id", "kind"):
            batch.drop_column(name)
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("warnings")
        batch.drop_column("quarantined_values")
        batch.alter_column(
            "status", type_=sa.String(length=16), existing_type=sa.String(length=32),
            existing_nullable=False,
        )  # fmt: skip
