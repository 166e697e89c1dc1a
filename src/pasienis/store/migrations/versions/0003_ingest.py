"""Tables of the ingest capability (import runs, quarantine) and of jobs (jobs, bus events).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _jobs_tables() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, comment="queued ... cancelled"),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=True, comment="null while unknown"),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_status"), ["status"], unique=False)

    op.create_table(
        "bus_events",
        sa.Column(
            "id", sa.Integer(), autoincrement=True, nullable=False, comment="the catch-up cursor"
        ),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bus_events")),
    )
    with op.batch_alter_table("bus_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bus_events_topic"), ["topic"], unique=False)


def _import_runs() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False, comment="file name as given"),
        sa.Column("source_path", sa.Text(), nullable=True, comment="absolute path, for retries"),
        sa.Column(
            "content_hash", sa.String(length=64), nullable=False, comment="SHA-256 of the file"
        ),
        sa.Column("mapping_name", sa.Text(), nullable=False),
        sa.Column("mapping_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.String(length=16),
            nullable=False,
            comment="running, completed, failed, skipped",
        ),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("checkpoint", sa.Integer(), nullable=False, comment="records committed"),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("entities", sa.Integer(), nullable=False),
        sa.Column("statements", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_runs_content_hash"), ["content_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_import_runs_dataset"), ["dataset"], unique=False)


def _quarantine() -> None:
    op.create_table(
        "quarantine",
        sa.Column(
            "id", sa.String(length=64), nullable=False, comment="hash of dataset, locator, field"
        ),
        sa.Column("run_id", sa.String(length=32), nullable=False, comment="run that first saw it"),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column(
            "locator", sa.Text(), nullable=False, comment="file:row, file#XPath or file:line"
        ),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=True, comment="the raw record, to fix and retry"),
        sa.Column("status", sa.String(length=16), nullable=False, comment="open or resolved"),
        sa.Column("resolved_run_id", sa.String(length=32), nullable=True),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index("ix_quarantine_dataset_status", ["dataset", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarantine_run_id"), ["run_id"], unique=False)


def upgrade() -> None:
    _jobs_tables()
    _import_runs()
    _quarantine()


def downgrade() -> None:
    for table in ("quarantine", "import_runs", "bus_events", "jobs"):
        op.drop_table(table)
