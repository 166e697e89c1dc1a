"""Patrol plans: a draft the dispatcher edits, then publishes as tasks (one row per plan)."""

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
