"""Tables of entity resolution: runs, features, candidate pairs, judgements.

Why these and nothing in ``statements``: a merge or a split changes ``resolver`` rows and
adds a judgement; statements are never touched, so every decision is reversible. Candidate
pairs hold both the automatic edges (``auto``) and the grey zone (``review``); analysts'
decisions turn a pair into ``merged``, ``not-same`` or ``unsure``. Clustering reads edges
(``auto`` + ``merged``) and constraints (``not-same``) from this one table.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Index, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

resolution_runs = Table(
    "resolution_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("engine", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("model", JSON, nullable=True),
    Column("counts", JSON, nullable=True),
    Column("judgement_id", String(32), nullable=True),
    Column("import_run_id", String(32), nullable=True),
    Column("created_by", String(128), nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("error", Text, nullable=True),
)
Index("ix_resolution_runs_kind_started", resolution_runs.c.kind, resolution_runs.c.started_at)

resolution_features = Table(
    "resolution_features",
    metadata,
    Column("entity_id", String(128), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("datasets", Text, nullable=False),
    Column("name", Text, nullable=True),
    Column("name_key", Text, nullable=True),
    Column("tok_a", String(64), nullable=True),
    Column("tok_b", String(64), nullable=True),
    Column("dob", String(10), nullable=True),
    Column("id1", String(64), nullable=True),
    Column("id2", String(64), nullable=True),
    Column("country", String(8), nullable=True),
    Column("address", Text, nullable=True),
    Column("phone", String(32), nullable=True),
    Column("email", String(256), nullable=True),
    Column("run_id", String(32), nullable=True),
    # Added in 0017: compared when the data fills them (resolve.comparisons.settings_for).
    Column("name_fold", Text, nullable=True),
    Column("given", Text, nullable=True),
    Column("surname", Text, nullable=True),
    Column("birth_place", Text, nullable=True),
    Column("occupation", Text, nullable=True),
    Column("gender", String(16), nullable=True),
    Column("postcode", String(16), nullable=True),
    Column("vehicle", String(128), nullable=True),
)
# Incremental look-ups (migration 0025): each rule's keys are checked on the index.
Index("ix_resolution_features_kind_name_key_dob", resolution_features.c.kind,
      resolution_features.c.name_key, resolution_features.c.dob)  # fmt: skip
Index("ix_resolution_features_kind_dob_tok_a", resolution_features.c.kind,
      resolution_features.c.dob, resolution_features.c.tok_a)  # fmt: skip
Index("ix_resolution_features_kind_dob_tok_b", resolution_features.c.kind,
      resolution_features.c.dob, resolution_features.c.tok_b)  # fmt: skip
Index("ix_resolution_features_kind_id1", resolution_features.c.kind, resolution_features.c.id1)
Index("ix_resolution_features_kind_id2", resolution_features.c.kind, resolution_features.c.id2)
Index("ix_resolution_features_kind_vehicle", resolution_features.c.kind,
      resolution_features.c.vehicle)  # fmt: skip

resolution_candidates = Table(
    "resolution_candidates",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("left_id", String(128), nullable=False),
    Column("right_id", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("probability", Float, nullable=True),
    Column("match_weight", Float, nullable=True),
    Column("evidence", JSON, nullable=True),
    Column("left_datasets", Text, nullable=False),
    Column("right_datasets", Text, nullable=False),
    Column("run_id", String(32), nullable=True),
    Column("judgement_id", String(32), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_resolution_candidates_kind_status", resolution_candidates.c.kind,
      resolution_candidates.c.status, resolution_candidates.c.probability)  # fmt: skip
Index("ix_resolution_candidates_left_id", resolution_candidates.c.left_id)
Index("ix_resolution_candidates_right_id", resolution_candidates.c.right_id)

resolution_judgements = Table(
    "resolution_judgements",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("left_ids", JSON, nullable=False),
    Column("right_ids", JSON, nullable=False),
    Column("actor", String(128), nullable=True),
    Column("reason", Text, nullable=True),
    Column("run_id", String(32), nullable=True),
    Column("prior", JSON, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("reverted_at", UTCDateTime, nullable=True),
    Column("reverted_by", String(128), nullable=True),
    Column("revert_reason", Text, nullable=True),
)
Index("ix_resolution_judgements_kind_created", resolution_judgements.c.kind,
      resolution_judgements.c.created_at)  # fmt: skip
