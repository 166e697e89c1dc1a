"""Search: one query box over entities (names, codes, plates) across the caller's datasets.

Public surface for other capabilities (graph, documents, resolution, watch):

- :func:`search` with :class:`SearchQuery` → :class:`SearchResult` (compartments via
  ``datasets=``); :func:`check_query` validates a query alone.
- Index upkeep: :func:`index_entities`, :func:`reindex`, :func:`catch_up` (follows
  ``import.completed``), :func:`delete_entities` and :func:`purge_dataset` (erasure).
- Keys and scores, the one definition screening shares: :func:`value_keys`,
  :func:`query_keys`, :func:`name_keys`, :func:`identifier_keys`, :func:`phone_key`,
  :func:`compact_code`, :func:`score_row`, :func:`highlight`.
"""

from pasienis.search.errors import QueryError, SearchError
from pasienis.search.indexer import (
    build_row,
    catch_up,
    delete_entities,
    index_entities,
    purge_dataset,
    reindex,
    write_rows,
)
from pasienis.search.keys import (
    compact_code,
    identifier_keys,
    name_keys,
    name_parts,
    name_query_keys,
    pair_keys,
    pair_query_keys,
    part_keys,
    part_query_keys,
    phone_key,
    query_keys,
    value_keys,
)
from pasienis.search.query import check_query, search
from pasienis.search.schemas import Hit, SearchQuery, SearchResult
from pasienis.search.scoring import Match, highlight, score_row

__all__ = [
    "Hit",
    "Match",
    "QueryError",
    "SearchError",
    "SearchQuery",
    "SearchResult",
    "build_row",
    "catch_up",
    "check_query",
    "compact_code",
    "delete_entities",
    "highlight",
    "identifier_keys",
    "index_entities",
    "name_keys",
    "name_parts",
    "name_query_keys",
    "pair_keys",
    "pair_query_keys",
    "part_keys",
    "part_query_keys",
    "phone_key",
    "purge_dataset",
    "query_keys",
    "reindex",
    "score_row",
    "search",
    "value_keys",
    "write_rows",
]
