"""Tables of search (entity index, keys, full text) and watch (lists, entries, alerts).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.dialects import dialect_for
from pasienis.store.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = (
    "watch_state",
    "watch_alerts",
    "watch_sources",
    "watch_entries",
    "watch_lists",
    "search_state",
    "search_keys",
    "search_entities",
)


def upgrade() -> None:
    op.create_table(
        "search_entities",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("schema", sa.String(length=64), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False, comment="the name shown in a result"),
        sa.Column(
            "names", sa.Text(), nullable=False, comment="name values as stored, one per line"
        ),
        sa.Column(
            "body", sa.Text(), nullable=False, comment="every other value as stored, one per line"
        ),
        sa.Column(
            "names_folded", sa.Text(), nullable=False, comment="ASCII lower case of the names"
        ),
        sa.Column(
            "name_keys", sa.Text(), nullable=False, comment="each name's token keys, one per line"
        ),
        sa.Column(
            "folded", sa.Text(), nullable=False, comment="ASCII lower case of names and body (FTS)"
        ),
        sa.Column(
            "countries",
            sa.String(length=256),
            nullable=False,
            comment="' lt ru ' (padded for LIKE)",
        ),
        sa.Column(
            "date_min", sa.String(length=10), nullable=True, comment="earliest date value, ISO"
        ),
        sa.Column(
            "date_max", sa.String(length=10), nullable=True, comment="latest date value, ISO"
        ),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entities")),
        sa.UniqueConstraint(
            "entity_id", "dataset", name=op.f("uq_search_entities_entity_id_dataset")
        ),
    )
    op.create_index(
        op.f("ix_search_entities_dataset_schema"),
        "search_entities",
        ["dataset", "schema"],
        unique=False,
    )
    op.create_table(
        "search_keys",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False, comment="search_entities.id"),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", "row_id", name=op.f("pk_search_keys")),
    )
    op.create_index(op.f("ix_search_keys_row_id"), "search_keys", ["row_id"], unique=False)
    op.create_table(
        "search_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_search_state")),
    )
    op.create_table(
        "watch_lists",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column(
            "dataset", sa.String(length=64), nullable=False, comment="compartment of its entries"
        ),
        sa.Column(
            "source_dataset",
            sa.String(length=64),
            nullable=True,
            comment="imported from this dataset",
        ),
        sa.Column("owner", sa.String(length=128), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_lists")),
        sa.UniqueConstraint("name", name=op.f("uq_watch_lists_name")),
    )
    op.create_table(
        "watch_entries",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("list_id", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=16),
            nullable=False,
            comment="person, company, vehicle or phone",
        ),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "identifiers", sa.JSON(), nullable=True, comment="[{type, value}]: plate, phone, codes"
        ),
        sa.Column("birth_date", sa.String(length=10), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "entity_id",
            sa.String(length=128),
            nullable=True,
            comment="the listed entity, when imported",
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_entries")),
    )
    op.create_index(op.f("ix_watch_entries_list_id"), "watch_entries", ["list_id"], unique=False)
    op.create_table(
        "watch_sources",
        sa.Column(
            "id", sa.String(length=64), nullable=False, comment="camera source id (its login name)"
        ),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column(
            "dataset",
            sa.String(length=64),
            nullable=False,
            comment="reads are stored in this dataset",
        ),
        sa.Column(
            "secret_hash",
            sa.String(length=128),
            nullable=False,
            comment="sha256 of the random secret",
        ),
        sa.Column(
            "generation", sa.Integer(), nullable=False, comment="raised on rotation/revocation"
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_sources")),
    )
    op.create_table(
        "watch_alerts",
        sa.Column("id", sa.String(length=64), nullable=False, comment="hash of entry + record"),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("list_id", sa.String(length=64), nullable=False),
        sa.Column("entry_dataset", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="the entry's kind"),
        sa.Column(
            "record_kind", sa.String(length=16), nullable=False, comment="entity or plate_read"
        ),
        sa.Column("record_id", sa.String(length=128), nullable=False),
        sa.Column("record_dataset", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False, comment="[{field, value, listed, score}]"),
        sa.Column(
            "evidence", sa.JSON(), nullable=False, comment="the record and the entry as matched"
        ),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column(
            "status", sa.String(length=16), nullable=False, comment="open, acknowledged, dismissed"
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_by", sa.String(length=128), nullable=True),
        sa.Column("status_at", UTCDateTime(), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_alerts")),
    )
    op.create_index(op.f("ix_watch_alerts_entry_id"), "watch_alerts", ["entry_id"], unique=False)
    op.create_index(
        op.f("ix_watch_alerts_status_created"),
        "watch_alerts",
        ["status", "created_at"],
        unique=False,
    )
    op.create_table(
        "watch_state",
        sa.Column(
            "name", sa.String(length=64), nullable=False, comment="a cursor or a generation counter"
        ),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_watch_state")),
    )
    # The full-text side: an FTS5 table on SQLite; tsvector + pg_trgm on PostgreSQL.
    dialect = dialect_for(op.get_bind().dialect.name)
    for ddl in dialect.fts_ddl():  # type: ignore[attr-defined]
        op.execute(ddl)


def downgrade() -> None:
    dialect = dialect_for(op.get_bind().dialect.name)
    for ddl in dialect.drop_fts_ddl():  # type: ignore[attr-defined]
        op.execute(ddl)
    for name in TABLES:
        op.drop_table(name)
