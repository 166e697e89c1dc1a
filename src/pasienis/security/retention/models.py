"""The retention table: one policy per dataset or per table (declared on the shared metadata).

Law-enforcement data may be kept only as long as needed (EU Directive 2016/680, Art. 5): each
dataset and each event table gets a period after which its data is erased, and a date by
which an administrator reviews whether the period still holds. The review queue and the
expired counts are derived from the data, never stored, so they cannot go stale.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

retention_policies = Table(
    "retention_policies",
    metadata,
    Column("scope_kind", String(16), primary_key=True, comment="dataset or table"),
    Column("scope", String(128), primary_key=True, comment="dataset name or table name"),
    Column("period_days", Integer, nullable=False, comment="keep data this many days"),
    Column("review_every_days", Integer, nullable=False),
    Column("next_review_at", UTCDateTime, nullable=False),
    Column("hold_until", UTCDateTime, nullable=True, comment="expired data kept until then"),
    Column("basis", Text, nullable=True, comment="why the data is kept (legal basis)"),
    Column("updated_by", String(128), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_reviewed_by", String(128), nullable=True),
    Column("last_reviewed_at", UTCDateTime, nullable=True),
)

__all__ = ["retention_policies"]
