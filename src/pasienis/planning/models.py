"""Patrol plans (a draft the dispatcher edits, then publishes as tasks), recurring task
schedules, unit shifts, and the tasks already made for a schedule's occurrences."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Integer, String, Table

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

patrol_plans = Table(
    "patrol_plans",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("status", String(16), nullable=False, comment="draft or published"),
    Column("method", String(64), nullable=False, comment="or-tools, or-tools mixed strategy"),
    Column("shift_start", UTCDateTime, nullable=False),
    Column("shift_end", UTCDateTime, nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("stops", JSON, nullable=False, comment="list of stops per unit, with reasons"),
    Column("covered_risk", Float, nullable=False),
    Column("total_risk", Float, nullable=False),
    Column("summary", JSON, nullable=False, comment="baseline, entropy, solve time"),
    Column("version", Integer, nullable=False, comment="1 + number of edits"),
    Column("created_by", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("published_by", String(128), nullable=True),
)

task_schedules = Table(
    "task_schedules",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("category", String(32), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("unit_id", String(64), nullable=True, comment="a fixed unit, or none: planned"),
    Column("weekdays", JSON, nullable=False, comment="0 = Monday .. 6 = Sunday"),
    Column("start_local", String(5), nullable=False, comment="HH:MM, Europe/Vilnius"),
    Column("minutes", Integer, nullable=False, comment="duration; may run past midnight"),
    Column("valid_from", UTCDateTime, nullable=False),
    Column("valid_until", UTCDateTime, nullable=True),
    Column("active", Integer, nullable=False, comment="1 active, 0 stopped"),
    Column("created_by", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

unit_shifts = Table(
    "unit_shifts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("unit_id", String(64), nullable=False, index=True),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("note", String(200), nullable=True),
)

schedule_occurrences = Table(
    "schedule_occurrences",
    metadata,
    Column("schedule_id", String(32), primary_key=True),
    Column("starts_at", UTCDateTime, primary_key=True),
    Column("task_id", String(64), nullable=False, comment="the task made for it"),
    Column("unit_id", String(64), nullable=True),
)
