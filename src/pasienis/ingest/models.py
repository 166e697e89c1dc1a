"""Tables of the ingest capability: import runs (with their checkpoint) and the quarantine."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("dataset", String(64), nullable=False, index=True),
    Column("source_name", Text, nullable=False, comment="file name as given"),
    Column("source_path", Text, nullable=True, comment="absolute path, for retries"),
    Column("content_hash", String(64), nullable=False, index=True, comment="SHA-256 of the file"),
    Column("mapping_name", Text, nullable=False),
    Column("mapping_hash", String(64), nullable=False),
    Column(
        "status",
        String(32),
        nullable=False,
        comment="running, completed, completed_with_quarantine, failed",
    ),
    Column("created_by", String(128), nullable=True),
    Column("job_id", String(32), nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("checkpoint", Integer, nullable=False, default=0, comment="records committed"),
    Column("records", Integer, nullable=False, default=0),
    Column("entities", Integer, nullable=False, default=0),
    Column("statements", Integer, nullable=False, default=0),
    Column("events", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0, comment="records quarantined"),
    Column("error", Text, nullable=True),
    Column(
        "quarantined_values",
        Integer,
        nullable=False,
        default=0,
        server_default="0",
        comment="values quarantined on their own (their entities went in)",
    ),
    Column("warnings", JSON, nullable=True, comment="what the run warns about, as text lines"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", String(64), primary_key=True, comment="hash of dataset, locator, field"),
    Column("run_id", String(32), nullable=False, index=True, comment="run that first saw it"),
    Column("dataset", String(64), nullable=False),
    Column("source_name", Text, nullable=False),
    Column("locator", Text, nullable=False, comment="file:row, file#XPath or file:line"),
    Column("field", Text, nullable=True),
    Column("value", Text, nullable=True),
    Column("reason", Text, nullable=False),
    Column("record", JSON, nullable=True, comment="the raw record, to fix and retry"),
    Column("status", String(16), nullable=False, comment="open or resolved"),
    Column("resolved_run_id", String(32), nullable=True),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("kind", String(8), nullable=True, comment="record (NULL in old rows) or value"),
    Column("entity_id", String(128), nullable=True, comment="a value's entity (kind value)"),
    Column("prop", String(64), nullable=True, comment="a value's property (kind value)"),
)
Index("ix_quarantine_dataset_status", quarantine.c.dataset, quarantine.c.status)
