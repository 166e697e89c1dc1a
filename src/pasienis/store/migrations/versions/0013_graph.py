"""Tables of the graph capability: co-travel pairs, saved patterns and their matches.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "graph_cotravel",
        sa.Column("id", sa.String(length=40), nullable=False,
                  comment="hash of dataset, leader, follower"),
        sa.Column("dataset", sa.String(length=64), nullable=False,
                  comment="dataset of the supporting reads"),
        sa.Column("leader_plate", sa.String(length=32), nullable=False),
        sa.Column("follower_plate", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False,
                  comment="-log10 chance probability (null model)"),
        sa.Column("occasions", sa.Integer(), nullable=False),
        sa.Column("co_passages", sa.Integer(), nullable=False),
        sa.Column("first_at", UTCDateTime(), nullable=False),
        sa.Column("last_at", UTCDateTime(), nullable=False),
        sa.Column("read_ids", sa.JSON(), nullable=False, comment="supporting plate_reads ids"),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_graph_cotravel")),
    )  # fmt: skip
    op.create_index("ix_graph_cotravel_leader", "graph_cotravel", ["leader_plate"])
    op.create_index("ix_graph_cotravel_follower", "graph_cotravel", ["follower_plate"])
    op.create_table(
        "graph_patterns",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("query", sa.Text(), nullable=False, comment="pattern text (docs/graph.md)"),
        sa.Column("every_s", sa.Integer(), nullable=True,
                  comment="schedule period; empty = manual"),
        sa.Column("owner", sa.String(length=128), nullable=True),
        sa.Column("datasets", sa.JSON(), nullable=False,
                  comment="grants of the owner when saved"),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_graph_patterns")),
    )  # fmt: skip
    op.create_table(
        "graph_pattern_matches",
        sa.Column("pattern", sa.String(length=128), nullable=False),
        sa.Column("match_key", sa.String(length=40), nullable=False,
                  comment="hash of the bound node ids"),
        sa.Column("nodes", sa.JSON(), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pattern", "match_key", name=op.f("pk_graph_pattern_matches")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("graph_pattern_matches")
    op.drop_table("graph_patterns")
    op.drop_index("ix_graph_cotravel_follower", table_name="graph_cotravel")
    op.drop_index("ix_graph_cotravel_leader", table_name="graph_cotravel")
    op.drop_table("graph_cotravel")
