"""Index device secrets by their SHA-256: a Traccar URL's secret finds its device.

Traccar Client puts the secret in the URL and the device id in the body; with the hash indexed
the server authenticates the request before it reads the body.

Revision ID: 0022
Revises: 0020
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_ops_devices_secret_hash"), "ops_devices", ["secret_hash"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ops_devices_secret_hash"), table_name="ops_devices")
