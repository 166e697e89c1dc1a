"""Patrol plans, task schedules, unit shifts (planning); corrections of violations.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pasienis.store.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patrol_plans",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, comment="draft or published"),
        sa.Column(
            "method", sa.String(64), nullable=False, comment="or-tools, or-tools mixed strategy"
        ),
        sa.Column("shift_start", UTCDateTime, nullable=False),
        sa.Column("shift_end", UTCDateTime, nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("stops", sa.JSON, nullable=False, comment="list of stops per unit, with reasons"),
        sa.Column("covered_risk", sa.Float, nullable=False),
        sa.Column("total_risk", sa.Float, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False, comment="baseline, entropy, solve time"),
        sa.Column("version", sa.Integer, nullable=False, comment="1 + number of edits"),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.Column("published_by", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_plans")),
    )

    op.create_table(
        "violation_corrections",
        sa.Column(
            "violation_id", sa.String(64), nullable=False, comment="the superseded violation"
        ),
        sa.Column("replacement_id", sa.String(64), nullable=False, comment="its new version"),
        sa.Column("corrected_by", sa.String(128), nullable=False),
        sa.Column("corrected_at", UTCDateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("violation_id", name=op.f("pk_violation_corrections")),
        sa.UniqueConstraint("replacement_id", name=op.f("uq_violation_corrections_replacement_id")),
    )

    op.create_table(
        "task_schedules",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column(
            "unit_id", sa.String(64), nullable=True, comment="a fixed unit, or none: planned"
        ),
        sa.Column("weekdays", sa.JSON, nullable=False, comment="0 = Monday .. 6 = Sunday"),
        sa.Column("start_local", sa.String(5), nullable=False, comment="HH:MM, Europe/Vilnius"),
        sa.Column("minutes", sa.Integer, nullable=False, comment="duration; may run past midnight"),
        sa.Column("valid_from", UTCDateTime, nullable=False),
        sa.Column("valid_until", UTCDateTime, nullable=True),
        sa.Column("active", sa.Integer, nullable=False, comment="1 active, 0 stopped"),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_schedules")),
    )
    op.create_table(
        "unit_shifts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("ends_at", UTCDateTime, nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_shifts")),
    )
    op.create_index(op.f("ix_unit_shifts_unit_id"), "unit_shifts", ["unit_id"], unique=False)
    op.create_table(
        "schedule_occurrences",
        sa.Column("schedule_id", sa.String(32), nullable=False),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False, comment="the task made for it"),
        sa.Column("unit_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("schedule_id", "starts_at", name=op.f("pk_schedule_occurrences")),
    )


def downgrade() -> None:
    op.drop_table("schedule_occurrences")
    op.drop_index(op.f("ix_unit_shifts_unit_id"), table_name="unit_shifts")
    op.drop_table("unit_shifts")
    op.drop_table("task_schedules")
    op.drop_table("violation_corrections")
    op.drop_table("patrol_plans")
