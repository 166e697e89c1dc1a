"""Credential generations of devices, OpenID identities (iss, sub), the sign-in guard row.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "ops_devices",
        sa.Column(
            "credential_generation",
            sa.Integer(),
            nullable=False,
            server_default="1",
            comment="raised by every rotation and (de)activation; credential caches key on it",
        ),
    )
    op.create_table(
        "user_identities",
        sa.Column("issuer", sa.String(length=512), nullable=False, comment="OpenID issuer (iss)"),
        sa.Column(
            "subject",
            sa.String(length=255),
            nullable=False,
            comment="the issuer's stable id (sub)",
        ),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.Column(
            "linked_by",
            sa.String(length=128),
            nullable=True,
            comment="administrator, or first sign-in",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_identities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("issuer", "subject", name=op.f("pk_user_identities")),
    )
    op.create_index(
        op.f("ix_user_identities_user_id"), "user_identities", ["user_id"], unique=False
    )
    guard = op.create_table(
        "login_guard",
        sa.Column(
            "id",
            sa.Integer(),
            autoincrement=False,
            nullable=False,
            comment="always 1: locked while a sign-in attempt is checked and recorded",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_guard")),
    )
    op.bulk_insert(guard, [{"id": 1}])


def downgrade() -> None:
    op.drop_table("login_guard")
    op.drop_index(op.f("ix_user_identities_user_id"), table_name="user_identities")
    op.drop_table("user_identities")
    with op.batch_alter_table("ops_devices") as batch:
        batch.drop_column("credential_generation")
