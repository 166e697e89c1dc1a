"""Tables of the graph capability: co-travel results and saved pattern queries.

The projection itself lives in memory; these tables hold only what analyses produced
(co-travel pairs become weighted edges) and what analysts saved (patterns and their matches,
so a rerun knows which matches are new).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Index, Integer, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

graph_cotravel = Table(
    "graph_cotravel",
    metadata,
    Column("id", String(40), primary_key=True, comment="hash of dataset, leader, follower"),
    Column("dataset", String(64), nullable=False, comment="dataset of the supporting reads"),
    Column(
        "datasets",
        JSON,
        nullable=True,
        comment="every dataset of the supporting reads (crossings too): the compartment",
    ),
    Column("leader_plate", String(32), nullable=False),
    Column("follower_plate", String(32), nullable=False),
    Column("score", Float, nullable=False, comment="-log10 chance probability (null model)"),
    Column("occasions", Integer, nullable=False),
    Column("co_passages", Integer, nullable=False),
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
    Column("read_ids", JSON, nullable=False, comment="supporting plate_reads ids"),
    Column("computed_at", UTCDateTime, nullable=False),
)
Index("ix_graph_cotravel_leader", graph_cotravel.c.leader_plate)
Index("ix_graph_cotravel_follower", graph_cotravel.c.follower_plate)

graph_patterns = Table(
    "graph_patterns",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("query", Text, nullable=False, comment="pattern text (docs/graph.md)"),
    Column("every_s", Integer, nullable=True, comment="schedule period; empty = manual"),
    Column("owner", String(128), nullable=True),
    Column("datasets", JSON, nullable=False, comment="grants of the owner when saved"),
    Column("last_run_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

graph_pattern_matches = Table(
    "graph_pattern_matches",
    metadata,
    Column("pattern", String(128), primary_key=True),
    Column("match_key", String(40), primary_key=True, comment="hash of the bound node ids"),
    Column("nodes", JSON, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
)
