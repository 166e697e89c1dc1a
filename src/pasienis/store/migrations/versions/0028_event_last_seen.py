"""Events get the stamp of the last import run that stated them, as statements have, so that
retracting the run that first wrote an event leaves it live when a later run stated it too
(``pasienis.model.live``). NULL, as for rows stored before: only the first run stated it.

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TABLES = ("border_crossings", "plate_reads", "declarations", "goods_items", "violations")


def upgrade() -> None:
    # A nullable column without a default: no table is rewritten (SQLite and PostgreSQL),
    # however many million events it holds.
    for table in TABLES:
        op.add_column(
            table,
            sa.Column(
                "last_seen",
                UTCDateTime(),
                nullable=True,
                comment="start of the last import run that stated it again; NULL: only its first",
            ),
        )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("last_seen")
