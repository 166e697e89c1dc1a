"""Pydantic shapes of the graph API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from pasienis.graph.filters import EdgeFilter


class Filters(BaseModel):
    """Edge and node filters applied during the walk."""

    schemata: list[str] = Field(default_factory=list, description="schemata of nodes reached")
    relations: list[str] = Field(default_factory=list, description="relation types to follow")
    since: AwareDatetime | None = Field(default=None, description="edge active on/after")
    until: AwareDatetime | None = Field(default=None, description="edge active on/before")
    min_weight: float = Field(default=0.0, ge=0, description="minimum aggregated weight")
    dated_only: bool = Field(default=False, description="drop undated relations")

    def to_filter(self) -> EdgeFilter:
        return EdgeFilter(frozenset(self.schemata), frozenset(self.relations), self.since,
                          self.until, self.min_weight, self.dated_only)  # fmt: skip


class ExpandRequest(Filters):
    ids: list[str] = Field(min_length=1, max_length=100)
    depth: int = Field(default=1, ge=1, le=4)
    max_nodes: int = Field(default=200, ge=1, le=5000)
    per_node: int = Field(default=50, ge=1, le=1000, description="supernode cap per node")


class CommonRequest(Filters):
    ids: list[str] = Field(min_length=2, max_length=100)
    at_least: int | None = Field(default=None, ge=1)


class SubgraphRequest(ExpandRequest):
    """A subgraph: the expansion of ``ids`` (depth 0 = exactly these nodes)."""

    depth: int = Field(default=1, ge=0, le=4)
    measures: list[Literal["degree", "betweenness", "pagerank"]] = Field(
        default_factory=lambda: ["degree", "pagerank"]
    )


class ExportRequest(SubgraphRequest):
    """``depth`` 0 exports exactly ``ids`` and the edges among them (a chart as shown: up to
    5,000 nodes); a deeper export expands at most 100 seeds, as ``expand`` does."""

    ids: list[str] = Field(min_length=1, max_length=5000)
    format: Literal["gexf", "graphml", "ftm", "csv", "anx"] = "graphml"

    @model_validator(mode="after")
    def _seeds_for_depth(self) -> ExportRequest:
        if self.depth > 0 and len(self.ids) > 100:
            raise ValueError("an export with depth > 0 takes at most 100 ids; use depth 0")
        return self


class PatternSave(BaseModel):
    query: str = Field(min_length=1, max_length=4000)
    every_s: int | None = Field(default=None, ge=60, description="schedule; empty = manual")


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
