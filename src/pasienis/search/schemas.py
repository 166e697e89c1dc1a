"""Shapes of a search: the query with its filters, and the ranked, faceted result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

#: Longest query accepted (characters); longer is a 400, never a slow scan.
MAX_QUERY_LENGTH = 256
#: Most result rows a page may ask for.
MAX_LIMIT = 100


@dataclass(frozen=True)
class SearchQuery:
    """What the caller asked for. Lists are OR within a filter and AND across filters."""

    text: str
    schemas: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    limit: int = 20
    offset: int = 0


@dataclass
class Hit:
    """One entity found: its best score, caption, schema and highlighted snippet."""

    entity_id: str
    schema: str
    caption: str
    score: float
    datasets: list[str]
    countries: list[str]
    snippet: str
    matched: list[str] = field(default_factory=list)
    #: The index row the snippet comes from (internal; not part of the answer).
    row: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "schema": self.schema,
            "caption": self.caption,
            "score": round(self.score, 4),
            "datasets": self.datasets,
            "countries": self.countries,
            "snippet": self.snippet,
            "matched": self.matched,
        }


@dataclass
class SearchResult:
    """A page of hits, the number of entities found (``total``) and facet counts."""

    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query.text,
            "total": self.total,
            "truncated": self.truncated,
            "offset": self.query.offset,
            "limit": self.query.limit,
            "hits": [h.to_dict() for h in self.hits],
            "facets": self.facets,
        }
