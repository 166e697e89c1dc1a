"""Tables of the ops capability (declared on the shared metadata).

Units and devices are ordinary rows; positions are an append-mostly track per unit; tasks keep
their current state in ``ops_tasks`` and their full history in the append-only
``ops_task_events``; every message to a unit goes through ``ops_outbox`` (written before it is
sent, numbered per unit) so that nothing is lost when the server dies mid-delivery.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
AutoId = BigInteger().with_variant(Integer(), "sqlite")

units = Table(
    "ops_units",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("call_sign", String(32), nullable=False, unique=True),
    Column("status", String(16), nullable=False, comment="available, busy or off_duty"),
    Column("vehicle", String(64), nullable=True),
    Column("crew", JSON, nullable=True, comment="list of names or user ids"),
    Column("skills", JSON, nullable=True, comment="list of skill tags"),
    Column("outbox_seq", BigInteger, nullable=False, comment="last outbox sequence used"),
    Column("last_lat", Float, nullable=True, comment="last good (unflagged) fix"),
    Column("last_lon", Float, nullable=True),
    Column("last_fix_at", UTCDateTime, nullable=True),
    Column("last_speed_mps", Float, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

unit_members = Table(
    "ops_unit_members",
    metadata,
    Column("unit_id", String(64), ForeignKey("ops_units.id"), primary_key=True),
    Column("user_id", String(128), primary_key=True, comment="security user id or name"),
)
Index("ix_ops_unit_members_user", unit_members.c.user_id)

devices = Table(
    "ops_devices",
    metadata,
    Column("id", String(64), primary_key=True, comment="identifier the phone sends"),
    Column("unit_id", String(64), ForeignKey("ops_units.id"), nullable=False, index=True),
    Column(
        "secret_hash",
        String(255),
        nullable=False,
        index=True,
        comment="argon2 hash of the secret",
    ),
    Column("label", String(128), nullable=True),
    Column("active", Boolean, nullable=False),
    Column(
        "credential_generation",
        Integer,
        nullable=False,
        server_default="1",
        comment="raised by every rotation and (de)activation; credential caches key on it",
    ),
    Column("last_fix_at", UTCDateTime, nullable=True, comment="newest fix, flagged or not"),
    Column("last_seen_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

positions = Table(
    "ops_positions",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("unit_id", String(64), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("fixed_at", UTCDateTime, nullable=False, comment="time of the fix (UTC)"),
    Column("received_at", UTCDateTime, nullable=False, index=True),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("accuracy_m", Float, nullable=True),
    Column("speed_mps", Float, nullable=True),
    Column("heading_deg", Float, nullable=True),
    Column("altitude_m", Float, nullable=True),
    Column("battery_pct", Float, nullable=True),
    Column("charging", Boolean, nullable=True),
    Column("source", String(16), nullable=False, comment="osmand, traccar-json, owntracks..."),
    Column("flags", String(128), nullable=False, comment="comma-separated; empty = good"),
    Column("attributes", JSON, nullable=True, comment="other keys the client sent"),
)
Index("ix_ops_positions_unit_time", positions.c.unit_id, positions.c.fixed_at)

geofences = Table(
    "ops_geofences",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("kind", String(32), nullable=False, comment="border_zone, checkpoint or custom"),
    Column("geometry", JSON, nullable=False, comment="GeoJSON Polygon or MultiPolygon"),
    Column("created_at", UTCDateTime, nullable=False),
)

geofence_state = Table(
    "ops_geofence_state",
    metadata,
    Column("unit_id", String(64), primary_key=True),
    Column("geofence_id", String(64), primary_key=True),
    Column("inside", Boolean, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)

geofence_events = Table(
    "ops_geofence_events",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("unit_id", String(64), nullable=False, index=True),
    Column("geofence_id", String(64), nullable=False),
    Column("kind", String(8), nullable=False, comment="enter or exit"),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
)

tasks = Table(
    "ops_tasks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("category", String(32), nullable=False, index=True),
    Column("priority", Integer, nullable=False, comment="1 (highest) .. 5"),
    Column("description", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("unit_id", String(64), nullable=True, index=True),
    Column("due_at", UTCDateTime, nullable=True),
    Column("entity_ids", JSON, nullable=True, comment="linked entities of the graph"),
    Column("evidence", JSON, nullable=True),
    Column("alert_id", String(128), nullable=True, unique=True),
    Column("outcome", Text, nullable=True),
    Column("assigned_at", UTCDateTime, nullable=True),
    Column("escalations", Integer, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

task_events = Table(
    "ops_task_events",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("task_id", String(64), ForeignKey("ops_tasks.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False, comment="a status, or escalated"),
    Column("from_status", String(16), nullable=True),
    Column("to_status", String(16), nullable=False),
    Column("unit_id", String(64), nullable=True),
    Column("actor", String(128), nullable=False),
    Column("reason", Text, nullable=True),
    Column("data", JSON, nullable=True),
    Column("at", UTCDateTime, nullable=False),
)

attachments = Table(
    "ops_task_attachments",
    metadata,
    Column("id", String(64), primary_key=True, comment="sha256 of the content"),
    Column("task_id", String(64), ForeignKey("ops_tasks.id"), primary_key=True),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(128), nullable=True),
    Column("size", BigInteger, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

outbox = Table(
    "ops_outbox",
    metadata,
    Column("unit_id", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False, comment="task.assigned, task.withdrawn..."),
    Column("task_id", String(64), nullable=True, index=True),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("acked_at", UTCDateTime, nullable=True),
)

assignment_rules = Table(
    "ops_assignment_rules",
    metadata,
    Column("category", String(32), primary_key=True),
    Column("required_skills", JSON, nullable=True),
    Column("auto_assign", Boolean, nullable=False),
)

__all__ = [
    "assignment_rules",
    "attachments",
    "devices",
    "geofence_events",
    "geofence_state",
    "geofences",
    "outbox",
    "positions",
    "task_events",
    "tasks",
    "unit_members",
    "units",
]
