"""Entity model (statements, resolver) and the high-volume event tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 09:19:32.087687
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from pasienis.store.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen here (not imported) so that this migration never changes with later code.
SPATIAL_TABLES = ("plate_reads", "declarations", "violations")


def upgrade() -> None:
    op.create_table(
        "border_crossings",
        sa.Column(
            "id", sa.String(length=64), nullable=False, comment="hash of source + source key"
        ),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("locator", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True, comment="source fields with no column"),
        sa.Column("checkpoint_id", sa.String(length=128), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=True, comment="entry or exit"),
        sa.Column("person_id", sa.String(length=128), nullable=True, comment="entity id"),
        sa.Column("vehicle_id", sa.String(length=128), nullable=True, comment="entity id"),
        sa.Column("document_id", sa.String(length=128), nullable=True, comment="entity id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_border_crossings")),
    )
    with op.batch_alter_table("border_crossings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_border_crossings_checkpoint_time", ["checkpoint_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_border_crossings_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_border_crossings_vehicle_id"), ["vehicle_id"], unique=False
        )

    op.create_table(
        "declarations",
        sa.Column(
            "id", sa.String(length=64), nullable=False, comment="hash of source + source key"
        ),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("locator", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True, comment="source fields with no column"),
        sa.Column("reference", sa.String(length=64), nullable=False, comment="LRN or MRN"),
        sa.Column("office_code", sa.String(length=16), nullable=True),
        sa.Column("procedure", sa.String(length=16), nullable=True),
        sa.Column("declarant_id", sa.String(length=128), nullable=True, comment="entity id"),
        sa.Column("consignor_id", sa.String(length=128), nullable=True, comment="entity id"),
        sa.Column("consignee_id", sa.String(length=128), nullable=True, comment="entity id"),
        sa.Column("vehicle_id", sa.String(length=128), nullable=True, comment="entity id"),
        sa.Column("total_value", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declarations")),
    )
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declarations_consignee_id"), ["consignee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_declarations_consignor_id"), ["consignor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_declarations_declarant_id"), ["declarant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_declarations_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_declarations_reference"), ["reference"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_declarations_vehicle_id"), ["vehicle_id"], unique=False
        )

    op.create_table(
        "goods_items",
        sa.Column(
            "id", sa.String(length=64), nullable=False, comment="hash of source + source key"
        ),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("locator", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True, comment="source fields with no column"),
        sa.Column("declaration_id", sa.String(length=64), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("cn_code", sa.String(length=10), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("origin_country", sa.String(length=2), nullable=True),
        sa.Column("net_mass_kg", sa.Float(), nullable=True),
        sa.Column("statistical_value", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goods_items")),
    )
    with op.batch_alter_table("goods_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goods_items_cn_code"), ["cn_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_goods_items_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_goods_items_occurred_at"), ["occurred_at"], unique=False
        )

    op.create_table(
        "plate_reads",
        sa.Column(
            "id", sa.String(length=64), nullable=False, comment="hash of source + source key"
        ),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("locator", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True, comment="source fields with no column"),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("plate", sa.String(length=32), nullable=False, comment="normalised plate"),
        sa.Column(
            "plate_raw", sa.String(length=32), nullable=True, comment="as the camera read it"
        ),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("vehicle_id", sa.String(length=128), nullable=True, comment="entity id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plate_reads")),
    )
    with op.batch_alter_table("plate_reads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_plate_reads_camera_time", ["camera_id", "occurred_at"], unique=False
        )
        batch_op.create_index("ix_plate_reads_plate_time", ["plate", "occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_plate_reads_vehicle_id"), ["vehicle_id"], unique=False)

    op.create_table(
        "resolver",
        sa.Column("entity_id", sa.String(length=128), nullable=False, comment="a source entity id"),
        sa.Column("canonical_id", sa.String(length=128), nullable=False),
        sa.Column(
            "judgement_id",
            sa.String(length=64),
            nullable=True,
            comment="the judgement that set this",
        ),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_resolver")),
    )
    with op.batch_alter_table("resolver", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resolver_canonical_id"), ["canonical_id"], unique=False
        )

    op.create_table(
        "statements",
        sa.Column(
            "id",
            sa.String(length=40),
            nullable=False,
            comment="hash of dataset, entity, property, value",
        ),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("schema", sa.String(length=64), nullable=False),
        sa.Column("prop", sa.String(length=64), nullable=False),
        sa.Column("prop_type", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False, comment="normalised by the property type"),
        sa.Column("original_value", sa.Text(), nullable=True, comment="as read, when it differs"),
        sa.Column("lang", sa.String(length=8), nullable=True),
        sa.Column("dataset", sa.String(length=64), nullable=False, comment="source dataset name"),
        sa.Column(
            "locator", sa.Text(), nullable=True, comment="file and row, XPath, page, or API call"
        ),
        sa.Column("run_id", sa.String(length=64), nullable=True, comment="import run"),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
    )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statements_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index("ix_statements_prop_type_value", ["prop_type", "value"], unique=False)
        batch_op.create_index(batch_op.f("ix_statements_run_id"), ["run_id"], unique=False)

    op.create_table(
        "violations",
        sa.Column(
            "id", sa.String(length=64), nullable=False, comment="hash of source + source key"
        ),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("locator", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True, comment="source fields with no column"),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("unit_of_measure", sa.String(length=16), nullable=True),
        sa.Column("value_eur", sa.Float(), nullable=True),
        sa.Column("found_by", sa.String(length=64), nullable=True, comment="unit call sign"),
        sa.Column("person_id", sa.String(length=128), nullable=True, comment="entity id"),
        sa.Column("vehicle_id", sa.String(length=128), nullable=True, comment="entity id"),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violations")),
    )
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_violations_category"), ["category"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_violations_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_violations_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_violations_vehicle_id"), ["vehicle_id"], unique=False)

    dialect = context.config.attributes["store"].dialect
    for table in SPATIAL_TABLES:
        for ddl in dialect.spatial_ddl(table):
            op.execute(ddl)


def downgrade() -> None:
    dialect = context.config.attributes["store"].dialect
    for table in SPATIAL_TABLES:
        for ddl in dialect.drop_spatial_ddl(table):
            op.execute(ddl)
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_violations_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_violations_person_id"))
        batch_op.drop_index(batch_op.f("ix_violations_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_violations_category"))

    op.drop_table("violations")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statements_run_id"))
        batch_op.drop_index("ix_statements_prop_type_value")
        batch_op.drop_index(batch_op.f("ix_statements_entity_id"))

    op.drop_table("statements")
    with op.batch_alter_table("resolver", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resolver_canonical_id"))

    op.drop_table("resolver")
    with op.batch_alter_table("plate_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plate_reads_vehicle_id"))
        batch_op.drop_index("ix_plate_reads_plate_time")
        batch_op.drop_index("ix_plate_reads_camera_time")

    op.drop_table("plate_reads")
    with op.batch_alter_table("goods_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goods_items_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_goods_items_declaration_id"))
        batch_op.drop_index(batch_op.f("ix_goods_items_cn_code"))

    op.drop_table("goods_items")
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declarations_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_declarations_reference"))
        batch_op.drop_index(batch_op.f("ix_declarations_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_declarations_declarant_id"))
        batch_op.drop_index(batch_op.f("ix_declarations_consignor_id"))
        batch_op.drop_index(batch_op.f("ix_declarations_consignee_id"))

    op.drop_table("declarations")
    with op.batch_alter_table("border_crossings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_border_crossings_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_border_crossings_person_id"))
        batch_op.drop_index("ix_border_crossings_checkpoint_time")

    op.drop_table("border_crossings")
