"""Tables of the ops capability: units, devices, positions, geofences, tasks, outbox.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ops_assignment_rules",
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("required_skills", sa.JSON(), nullable=True),
        sa.Column("auto_assign", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("category", name=op.f("pk_ops_assignment_rules")),
    )
    op.create_table(
        "ops_geofence_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("geofence_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False, comment="enter or exit"),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_geofence_events")),
    )
    with op.batch_alter_table("ops_geofence_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ops_geofence_events_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "ops_geofence_state",
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("geofence_id", sa.String(length=64), nullable=False),
        sa.Column("inside", sa.Boolean(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "geofence_id", name=op.f("pk_ops_geofence_state")),
    )
    op.create_table(
        "ops_geofences",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=32),
            nullable=False,
            comment="border_zone, checkpoint or custom",
        ),
        sa.Column("geometry", sa.JSON(), nullable=False, comment="GeoJSON Polygon or MultiPolygon"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_geofences")),
    )
    op.create_table(
        "ops_outbox",
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column(
            "kind", sa.String(length=32), nullable=False, comment="task.assigned, task.withdrawn..."
        ),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("acked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("unit_id", "seq", name=op.f("pk_ops_outbox")),
    )
    with op.batch_alter_table("ops_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ops_outbox_task_id"), ["task_id"], unique=False)

    op.create_table(
        "ops_positions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("fixed_at", UTCDateTime(), nullable=False, comment="time of the fix (UTC)"),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("speed_mps", sa.Float(), nullable=True),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("altitude_m", sa.Float(), nullable=True),
        sa.Column("battery_pct", sa.Float(), nullable=True),
        sa.Column("charging", sa.Boolean(), nullable=True),
        sa.Column(
            "source",
            sa.String(length=16),
            nullable=False,
            comment="osmand, traccar-json, owntracks...",
        ),
        sa.Column(
            "flags", sa.String(length=128), nullable=False, comment="comma-separated; empty = good"
        ),
        sa.Column("attributes", sa.JSON(), nullable=True, comment="other keys the client sent"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_positions")),
    )
    with op.batch_alter_table("ops_positions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ops_positions_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index("ix_ops_positions_unit_time", ["unit_id", "fixed_at"], unique=False)

    op.create_table(
        "ops_tasks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False, comment="1 (highest) .. 5"),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("entity_ids", sa.JSON(), nullable=True, comment="linked entities of the graph"),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("alert_id", sa.String(length=128), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("assigned_at", UTCDateTime(), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_tasks")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_ops_tasks_alert_id")),
    )
    with op.batch_alter_table("ops_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ops_tasks_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_ops_tasks_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_ops_tasks_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "ops_units",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("call_sign", sa.String(length=32), nullable=False),
        sa.Column(
            "status", sa.String(length=16), nullable=False, comment="available, busy or off_duty"
        ),
        sa.Column("vehicle", sa.String(length=64), nullable=True),
        sa.Column("crew", sa.JSON(), nullable=True, comment="list of names or user ids"),
        sa.Column("skills", sa.JSON(), nullable=True, comment="list of skill tags"),
        sa.Column(
            "outbox_seq", sa.BigInteger(), nullable=False, comment="last outbox sequence used"
        ),
        sa.Column("last_lat", sa.Float(), nullable=True, comment="last good (unflagged) fix"),
        sa.Column("last_lon", sa.Float(), nullable=True),
        sa.Column("last_fix_at", UTCDateTime(), nullable=True),
        sa.Column("last_speed_mps", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_units")),
        sa.UniqueConstraint("call_sign", name=op.f("uq_ops_units_call_sign")),
    )
    op.create_table(
        "ops_devices",
        sa.Column("id", sa.String(length=64), nullable=False, comment="identifier the phone sends"),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column(
            "secret_hash",
            sa.String(length=255),
            nullable=False,
            comment="argon2 hash of the secret",
        ),
        sa.Column("label", sa.String(length=128), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "last_fix_at", UTCDateTime(), nullable=True, comment="newest fix, flagged or not"
        ),
        sa.Column("last_seen_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["ops_units.id"], name=op.f("fk_ops_devices_unit_id_ops_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_devices")),
    )
    with op.batch_alter_table("ops_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ops_devices_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "ops_task_attachments",
        sa.Column("id", sa.String(length=64), nullable=False, comment="sha256 of the content"),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["ops_tasks.id"], name=op.f("fk_ops_task_attachments_task_id_ops_tasks")
        ),
        sa.PrimaryKeyConstraint("id", "task_id", name=op.f("pk_ops_task_attachments")),
    )
    op.create_table(
        "ops_task_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="a status, or escalated"),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["ops_tasks.id"], name=op.f("fk_ops_task_events_task_id_ops_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_task_events")),
    )
    with op.batch_alter_table("ops_task_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ops_task_events_task_id"), ["task_id"], unique=False)

    op.create_table(
        "ops_unit_members",
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column(
            "user_id", sa.String(length=128), nullable=False, comment="security user id or name"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["ops_units.id"], name=op.f("fk_ops_unit_members_unit_id_ops_units")
        ),
        sa.PrimaryKeyConstraint("unit_id", "user_id", name=op.f("pk_ops_unit_members")),
    )
    with op.batch_alter_table("ops_unit_members", schema=None) as batch_op:
        batch_op.create_index("ix_ops_unit_members_user", ["user_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("ops_unit_members", schema=None) as batch_op:
        batch_op.drop_index("ix_ops_unit_members_user")

    op.drop_table("ops_unit_members")
    with op.batch_alter_table("ops_task_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ops_task_events_task_id"))

    op.drop_table("ops_task_events")
    op.drop_table("ops_task_attachments")
    with op.batch_alter_table("ops_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ops_devices_unit_id"))

    op.drop_table("ops_devices")
    op.drop_table("ops_units")
    with op.batch_alter_table("ops_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ops_tasks_unit_id"))
        batch_op.drop_index(batch_op.f("ix_ops_tasks_status"))
        batch_op.drop_index(batch_op.f("ix_ops_tasks_category"))

    op.drop_table("ops_tasks")
    with op.batch_alter_table("ops_positions", schema=None) as batch_op:
        batch_op.drop_index("ix_ops_positions_unit_time")
        batch_op.drop_index(batch_op.f("ix_ops_positions_received_at"))

    op.drop_table("ops_positions")
    with op.batch_alter_table("ops_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ops_outbox_task_id"))

    op.drop_table("ops_outbox")
    op.drop_table("ops_geofences")
    op.drop_table("ops_geofence_state")
    with op.batch_alter_table("ops_geofence_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ops_geofence_events_unit_id"))

    op.drop_table("ops_geofence_events")
    op.drop_table("ops_assignment_rules")
