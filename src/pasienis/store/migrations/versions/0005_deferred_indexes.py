"""Secondary indexes dropped for a bulk load and not yet rebuilt (store.bulkload).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deferred_indexes",
        sa.Column("index_name", sa.String(length=128), nullable=False),
        sa.Column("table_name", sa.String(length=128), nullable=False),
        sa.Column(
            "ddl",
            sa.Text(),
            nullable=False,
            comment="the CREATE INDEX statement from the catalog",
        ),
        sa.Column(
            "owner",
            sa.String(length=128),
            nullable=False,
            comment="who deferred it, e.g. an import run",
        ),
        sa.Column("deferred_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("index_name", name=op.f("pk_deferred_indexes")),
        comment="secondary indexes dropped for a bulk load, to be rebuilt",
    )


def downgrade() -> None:
    op.drop_table("deferred_indexes")
