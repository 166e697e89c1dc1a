"""Tables of the watch capability: watchlists, their entries, camera sources and alerts.

An alert's id is a hash of (entry, record), so screening the same record twice — a re-import,
a retry after a crash, a camera resending a read — raises it once.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Float, Index, Integer, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

watch_lists = Table(
    "watch_lists",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("dataset", String(64), nullable=False, comment="compartment of its entries"),
    Column("source_dataset", String(64), nullable=True, comment="imported from this dataset"),
    Column("owner", String(128), nullable=True),
    Column("description", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

watch_entries = Table(
    "watch_entries",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("list_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False, comment="person, company, vehicle or phone"),
    Column("name", Text, nullable=True),
    Column("identifiers", JSON, nullable=True, comment="[{type, value}]: plate, phone, codes"),
    Column("birth_date", String(10), nullable=True),
    Column("country", String(8), nullable=True),
    Column("reason", Text, nullable=False),
    Column("owner", String(128), nullable=True),
    Column("priority", Integer, nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column("entity_id", String(128), nullable=True, comment="the listed entity, when imported"),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

watch_sources = Table(
    "watch_sources",
    metadata,
    Column("id", String(64), primary_key=True, comment="camera source id (its login name)"),
    Column("name", String(128), nullable=False),
    Column("dataset", String(64), nullable=False, comment="reads are stored in this dataset"),
    Column("secret_hash", String(128), nullable=False, comment="sha256 of the random secret"),
    Column("generation", Integer, nullable=False, comment="raised on rotation/revocation"),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

watch_alerts = Table(
    "watch_alerts",
    metadata,
    Column("id", String(64), primary_key=True, comment="hash of entry + record"),
    Column("entry_id", String(64), nullable=False, index=True),
    Column("list_id", String(64), nullable=False),
    Column("entry_dataset", String(64), nullable=False),
    Column("kind", String(16), nullable=False, comment="the entry's kind"),
    Column("record_kind", String(16), nullable=False, comment="entity or plate_read"),
    Column("record_id", String(128), nullable=False),
    Column("record_dataset", String(64), nullable=False),
    Column("run_id", String(64), nullable=True),
    Column("score", Float, nullable=False),
    Column("matched", JSON, nullable=False, comment="[{field, value, listed, score}]"),
    Column("evidence", JSON, nullable=False, comment="the record and the entry as matched"),
    Column("priority", Integer, nullable=False),
    Column("status", String(16), nullable=False, comment="open, acknowledged, dismissed"),
    Column("status_reason", Text, nullable=True),
    Column("status_by", String(128), nullable=True),
    Column("status_at", UTCDateTime, nullable=True),
    Column("occurred_at", UTCDateTime, nullable=True),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_watch_alerts_status_created", watch_alerts.c.status, watch_alerts.c.created_at)

watch_state = Table(
    "watch_state",
    metadata,
    Column("name", String(64), primary_key=True, comment="a cursor or a generation counter"),
    Column("value", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
