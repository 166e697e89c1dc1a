"""Tables of the entity model: statements and the resolver mapping.

Statements are never updated except for ``last_seen``; a correction is a new statement.
The resolver maps source entity ids to canonical ids, so a merge or split changes only
``resolver`` rows — never a statement.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

statements = Table(
    "statements",
    metadata,
    Column("id", String(40), primary_key=True, comment="hash of dataset, entity, property, value"),
    Column("entity_id", String(128), nullable=False, index=True),
    Column("schema", String(64), nullable=False),
    Column("prop", String(64), nullable=False),
    Column("prop_type", String(32), nullable=False),
    Column("value", Text, nullable=False, comment="normalised by the property type"),
    Column("original_value", Text, nullable=True, comment="as read, when it differs"),
    Column("lang", String(8), nullable=True),
    # No index on dataset: compartment filters apply after the entity_id lookup, and every
    # index slows the bulk path that imports use.
    Column("dataset", String(64), nullable=False, comment="source dataset name"),
    Column("locator", Text, nullable=True, comment="file and row, XPath, page, or API call"),
    Column("run_id", String(64), nullable=True, index=True, comment="import run"),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
)
Index("ix_statements_prop_type_value", statements.c.prop_type, statements.c.value)

resolver = Table(
    "resolver",
    metadata,
    Column("entity_id", String(128), primary_key=True, comment="a source entity id"),
    Column("canonical_id", String(128), nullable=False, index=True),
    Column("judgement_id", String(64), nullable=True, comment="the judgement that set this"),
    Column("updated_at", UTCDateTime, nullable=False),
)

STATEMENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in statements.columns)

#: Import runs taken out of the live view: their statements and events are hidden from the
#: read paths (:func:`pasienis.model.service.live`), reversibly — restoring deletes the row.
#: Here, beside the statements, so that every capability's reads can consult it.
retracted_runs = Table(
    "retracted_runs",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("dataset", String(64), nullable=False, index=True),
    Column("retracted_by", String(128), nullable=True),
    Column("retracted_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=True),
    Column(
        "run_seen_at",
        UTCDateTime,
        nullable=True,
        comment="the run's started_at: the first and last seen time of its statements",
    ),
)
