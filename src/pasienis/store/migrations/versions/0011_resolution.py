"""Entity resolution: runs, features, candidate pairs and judgements (resolve.models).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _runs() -> None:
    op.create_table(
        "resolution_runs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("model", sa.JSON(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("judgement_id", sa.String(32), nullable=True),
        sa.Column("import_run_id", sa.String(32), nullable=True),
        sa.Column("created_by", sa.String(128), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_runs")),
    )
    op.create_index("ix_resolution_runs_kind_started", "resolution_runs", ["kind", "started_at"])


def _features() -> None:
    op.create_table(
        "resolution_features",
        sa.Column("entity_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("datasets", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("name_key", sa.Text(), nullable=True),
        sa.Column("tok_a", sa.String(64), nullable=True),
        sa.Column("tok_b", sa.String(64), nullable=True),
        sa.Column("dob", sa.String(10), nullable=True),
        sa.Column("id1", sa.String(64), nullable=True),
        sa.Column("id2", sa.String(64), nullable=True),
        sa.Column("country", sa.String(8), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("email", sa.String(256), nullable=True),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_resolution_features")),
    )
    for col in ("name_key", "dob", "id1", "id2"):
        op.create_index(f"ix_resolution_features_kind_{col}", "resolution_features", ["kind", col])


def _candidates() -> None:
    op.create_table(
        "resolution_candidates",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("left_id", sa.String(128), nullable=False),
        sa.Column("right_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("match_weight", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("left_datasets", sa.Text(), nullable=False),
        sa.Column("right_datasets", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("judgement_id", sa.String(32), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_candidates")),
    )
    op.create_index(
        "ix_resolution_candidates_kind_status",
        "resolution_candidates",
        ["kind", "status", "probability"],
    )
    op.create_index("ix_resolution_candidates_left_id", "resolution_candidates", ["left_id"])
    op.create_index("ix_resolution_candidates_right_id", "resolution_candidates", ["right_id"])


def _judgements() -> None:
    op.create_table(
        "resolution_judgements",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("left_ids", sa.JSON(), nullable=False),
        sa.Column("right_ids", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("prior", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("reverted_at", UTCDateTime(), nullable=True),
        sa.Column("reverted_by", sa.String(128), nullable=True),
        sa.Column("revert_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_judgements")),
    )
    op.create_index(
        "ix_resolution_judgements_kind_created", "resolution_judgements", ["kind", "created_at"]
    )


def upgrade() -> None:
    _runs()
    _features()
    _candidates()
    _judgements()


def downgrade() -> None:
    for table in (
        "resolution_judgements",
        "resolution_candidates",
        "resolution_features",
        "resolution_runs",
    ):
        op.drop_table(table)
