"""Tables of the cases capability: cases, what they hold, and what happened to them.

Who may see a case is not here: membership is a grant of resource kind ``case`` in the
security tables (read or write, to a user or a group), so the principal already carries the
case ids it may see. Each item records the datasets its content came from; a member sees an
item only when all of them are within their own grants (compartments still apply inside a
shared case).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

cases = Table(
    "cases",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=True),
    Column("status", String(16), nullable=False, comment="open or closed"),
    Column("created_by", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

case_items = Table(
    "case_items",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("case_id", String(32), nullable=False, index=True),
    Column("kind", String(16), nullable=False, comment="entity, document, alert, chart or note"),
    Column("ref", String(256), nullable=True, comment="entity, document or alert id"),
    Column("title", String(200), nullable=True),
    Column("body", JSON, nullable=True, comment="a chart's saved state or a note's text"),
    Column("datasets", JSON, nullable=False, comment="datasets the content came from"),
    Column("version", Integer, nullable=False, comment="1 + number of saves"),
    Column("added_by", String(128), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

case_activity = Table(
    "case_activity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(32), nullable=False, comment="created, item.added, member.added..."),
    Column("item_id", String(32), nullable=True),
    Column("detail", JSON, nullable=True),
)
Index("ix_case_activity_case_id_at", case_activity.c.case_id, case_activity.c.at)
