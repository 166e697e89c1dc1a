"""One-time device pairing links and idempotency keys of replayed requests.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ops_device_pairings",
        sa.Column("id", sa.String(64), nullable=False, comment="SHA-256 of the pairing token"),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column(
            "sealed_secret", sa.LargeBinary, nullable=True, comment="nonce + AES-GCM; wiped on use"
        ),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("used_at", UTCDateTime, nullable=True),
        sa.Column("used_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ops_device_pairings_device_id", "ops_device_pairings", ["device_id"])
    op.create_table(
        "security_idempotency_keys",
        sa.Column("scope", sa.String(200), nullable=False, comment="user:<id> or device:<id>"),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column(
            "request", sa.String(600), nullable=False, comment="method and path of the first use"
        ),
        sa.Column(
            "status_code", sa.Integer, nullable=True, comment="NULL while the first use runs"
        ),
        sa.Column("response", sa.JSON, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("completed_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("scope", "key"),
    )


def downgrade() -> None:
    op.drop_table("security_idempotency_keys")
    op.drop_index("ix_ops_device_pairings_device_id", table_name="ops_device_pairings")
    op.drop_table("ops_device_pairings")
