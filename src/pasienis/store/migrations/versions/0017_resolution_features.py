"""Entity resolution: more feature columns (the name as ASCII words, name parts, birth
place, occupation, gender, postcode, the vehicle an entity appears with), compared when the
data fills them.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("name_fold", sa.Text()),
    ("given", sa.Text()),
    ("surname", sa.Text()),
    ("birth_place", sa.Text()),
    ("occupation", sa.Text()),
    ("gender", sa.String(16)),
    ("postcode", sa.String(16)),
    ("vehicle", sa.String(128)),
)


def upgrade() -> None:
    with op.batch_alter_table("resolution_features") as batch:
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.create_index(
        "ix_resolution_features_kind_vehicle", "resolution_features", ["kind", "vehicle"]
    )


def downgrade() -> None:
    op.drop_index("ix_resolution_features_kind_vehicle", table_name="resolution_features")
    with op.batch_alter_table("resolution_features") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
