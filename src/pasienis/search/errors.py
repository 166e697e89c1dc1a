"""Errors of the search capability."""

from __future__ import annotations

from pasienis.errors import PasienisError


class SearchError(PasienisError):
    """Something about a search or the index went wrong."""

    kind = "search"


class QueryError(SearchError):
    """A query that cannot be run as typed (empty, too long, a bad filter)."""

    status_code = 400
    kind = "search-query"
