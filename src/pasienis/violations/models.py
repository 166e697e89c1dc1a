"""Corrections of violations: a corrected violation is a new row; this table links the two.

Nothing overwrites a recorded violation: the registry's current view is every violation that
no correction has superseded, and the history of a violation is its chain of corrections.
"""

from __future__ import annotations

from sqlalchemy import Column, ColumnElement, String, Table, Text, select

from pasienis.model.events import violations
from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

violation_corrections = Table(
    "violation_corrections",
    metadata,
    Column("violation_id", String(64), primary_key=True, comment="the superseded violation"),
    Column("replacement_id", String(64), nullable=False, unique=True, comment="its new version"),
    Column("corrected_by", String(128), nullable=False),
    Column("corrected_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
)


def is_current() -> ColumnElement[bool]:
    """SQL condition on ``violations``: no correction has superseded the row (the one
    definition of the registry's current view, used by lists and analyses alike)."""
    return violations.c.id.not_in(select(violation_corrections.c.violation_id))
