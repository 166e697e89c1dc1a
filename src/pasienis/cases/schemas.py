"""Pydantic shapes of the cases API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

#: A saved chart stays well below the request body limit; 5,000 nodes is the chart's cap.
MAX_CHART_NODES = 5000
MAX_CHART_EDGES = 20000


class CaseCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10000)


class CaseUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10000)
    status: Literal["open", "closed"] | None = None


class MemberAdd(BaseModel):
    grantee_kind: Literal["user", "group"] = "user"
    grantee: str = Field(min_length=1, max_length=128)
    permission: Literal["read", "write"] = "read"


class ChartNode(BaseModel):
    """A node as the chart shows it: id, schema, label, position, pinned, hidden, group."""

    id: str = Field(min_length=1, max_length=256)
    data: dict[str, Any] = Field(default_factory=dict)
    position: dict[str, float] | None = None
    classes: list[str] = Field(default_factory=list, max_length=20)


class ChartEdge(BaseModel):
    id: str = Field(min_length=1, max_length=2048)
    source: str = Field(min_length=1, max_length=256)
    target: str = Field(min_length=1, max_length=256)
    data: dict[str, Any] = Field(default_factory=dict)
    classes: list[str] = Field(default_factory=list, max_length=20)


class ChartState(BaseModel):
    """Everything needed to reopen a chart exactly: elements, view, layout and filters."""

    nodes: list[ChartNode] = Field(max_length=MAX_CHART_NODES)
    edges: list[ChartEdge] = Field(default_factory=list, max_length=MAX_CHART_EDGES)
    groups: list[dict[str, Any]] = Field(default_factory=list, max_length=1000)
    view: dict[str, Any] = Field(default_factory=dict, description="zoom, pan, layout, filters")


class ItemCreate(BaseModel):
    kind: Literal["entity", "document", "alert", "chart", "note"]
    ref: str | None = Field(default=None, max_length=256)
    title: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=20000)
    chart: ChartState | None = None


class ItemUpdate(BaseModel):
    title: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=20000)
    chart: ChartState | None = None
    version: int | None = Field(default=None, ge=1, description="the version you opened")
