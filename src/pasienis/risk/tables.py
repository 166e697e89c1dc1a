"""The table of risk scores: one row per declaration, model and rule-set version."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Index, Integer, String, Table

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

risk_scores = Table(
    "risk_scores",
    metadata,
    Column("id", String(64), primary_key=True, comment="hash of declaration + model + rules"),
    Column("declaration_id", String(128), nullable=False, index=True),
    Column("reference", String(64), nullable=True, comment="LRN or MRN"),
    Column("dataset", String(64), nullable=False, comment="the declaration's compartment"),
    Column("occurred_at", UTCDateTime, nullable=True),
    Column("score", Float, nullable=False, comment="log-odds: bias + contributions + rules"),
    Column("probability", Float, nullable=False),
    Column("model_id", String(64), nullable=True),
    Column("rules_version", Integer, nullable=True),
    Column("rules_digest", String(16), nullable=True),
    Column("explanation", JSON, nullable=False, comment="bias, top features, rules fired"),
    Column("drift", String(16), nullable=True, comment="stable, moving or shifted"),
    Column("alert_id", String(64), nullable=True),
    Column("scored_by", String(128), nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
)
Index("ix_risk_scores_dataset_score", risk_scores.c.dataset, risk_scores.c.score)
