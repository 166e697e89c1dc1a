"""Composite indexes for incremental resolution's blocked look-ups: the name key with the
date of birth, the date of birth with either name part (a look-up then checks every key of
a rule on the index instead of reading each record that shares a date with a new one).
They replace the single-column name key and date indexes, which they lead with.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

T = "resolution_features"


def upgrade() -> None:
    op.drop_index("ix_resolution_features_kind_name_key", table_name=T)
    op.drop_index("ix_resolution_features_kind_dob", table_name=T)
    op.create_index("ix_resolution_features_kind_name_key_dob", T, ["kind", "name_key", "dob"])
    op.create_index("ix_resolution_features_kind_dob_tok_a", T, ["kind", "dob", "tok_a"])
    op.create_index("ix_resolution_features_kind_dob_tok_b", T, ["kind", "dob", "tok_b"])


def downgrade() -> None:
    op.drop_index("ix_resolution_features_kind_dob_tok_b", table_name=T)
    op.drop_index("ix_resolution_features_kind_dob_tok_a", table_name=T)
    op.drop_index("ix_resolution_features_kind_name_key_dob", table_name=T)
    op.create_index("ix_resolution_features_kind_dob", T, ["kind", "dob"])
    op.create_index("ix_resolution_features_kind_name_key", T, ["kind", "name_key"])
