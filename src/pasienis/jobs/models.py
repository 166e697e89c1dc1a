"""Tables of the jobs capability: background jobs with progress, and the event bus log."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True, comment="queued ... cancelled"),
    Column("progress_done", Integer, nullable=False, default=0),
    Column("progress_total", Integer, nullable=True, comment="null while unknown"),
    Column("message", Text, nullable=True),
    Column("created_by", String(128), nullable=True),
    Column(
        "dataset",
        String(64),
        nullable=True,
        comment="the dataset the job reads or writes; its grants decide who sees the job",
    ),
    Column("params", JSON, nullable=True),
    Column("result", JSON, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Column("started_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

bus_events = Table(
    "bus_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, comment="the catch-up cursor"),
    Column("topic", String(128), nullable=False, index=True),
    Column("payload", JSON, nullable=True),
    Column("published_at", UTCDateTime, nullable=False),
)
