"""The graph capability: a projection of resolved entities and aggregated events, queries
(expand, paths, common neighbours, networks), analytics (centrality, communities, co-travel),
exports (GEXF, GraphML, FtM, CSV, i2 ANX) and saved pattern queries.

Public surface for shells and other capabilities; see docs/graph.md.
"""

from pasienis.graph.errors import (
    GraphError,
    NoPathError,
    PatternNotFoundError,
    PatternSyntaxError,
    QueryLimitError,
    UnknownEdgeError,
    UnknownNodeError,
)
from pasienis.graph.filters import EdgeFilter
from pasienis.graph.projection import Projection
from pasienis.graph.service import GraphService

__all__ = [
    "EdgeFilter",
    "GraphError",
    "GraphService",
    "NoPathError",
    "PatternNotFoundError",
    "PatternSyntaxError",
    "Projection",
    "QueryLimitError",
    "UnknownEdgeError",
    "UnknownNodeError",
]
