"""The security epoch: one counter raised by triggers on every table a principal is built
from, so a cache of principals can tell with one read whether it is still right.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.dialects import dialect_for

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

COUNTER = "security_epoch"
#: The tables as of this revision (pasienis.security.epoch.EPOCH_TABLES; a later change to
#: that list comes with its own migration).
TABLES = (
    "users",
    "user_roles",
    "group_members",
    "access_grants",
    "datasets",
    "api_tokens",
    "sessions",
)


def upgrade() -> None:
    op.create_table(
        COUNTER,
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=False, comment="always 1"),
        sa.Column(
            "value",
            sa.BigInteger(),
            nullable=False,
            comment="raised by triggers on every change a principal is built from",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_epoch")),
    )
    op.execute(f"INSERT INTO {COUNTER} (id, value) VALUES (1, 0)")
    dialect = dialect_for(op.get_bind().dialect.name)
    for table in TABLES:
        for ddl in dialect.change_counter_ddl(table=table, counter=COUNTER):
            op.execute(ddl)


def downgrade() -> None:
    dialect = dialect_for(op.get_bind().dialect.name)
    for table in TABLES:
        for ddl in dialect.drop_change_counter_ddl(table=table, counter=COUNTER):
            op.execute(ddl)
    for ddl in dialect.drop_change_counter_function_ddl(counter=COUNTER):
        op.execute(ddl)
    op.drop_table(COUNTER)
