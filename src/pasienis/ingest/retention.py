"""Quarantined raw records go with their dataset's expired data (retention registry hook)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, delete, func, select

from pasienis.ingest.models import quarantine
from pasienis.security.retention import DatasetEraser


def _expired(dataset: str, cutoff: datetime) -> ColumnElement[bool]:
    return (quarantine.c.dataset == dataset) & (quarantine.c.last_seen < cutoff)


def _count(conn: Connection, dataset: str, cutoff: datetime) -> int:
    query = select(func.count()).select_from(quarantine).where(_expired(dataset, cutoff))
    return int(conn.execute(query).scalar() or 0)


def _erase(conn: Connection, dataset: str, cutoff: datetime) -> int:
    return int(conn.execute(delete(quarantine).where(_expired(dataset, cutoff))).rowcount)


def quarantine_eraser() -> DatasetEraser:
    """Quarantine entries of a dataset last seen before its cutoff."""
    return DatasetEraser("quarantine", _count, _erase)
