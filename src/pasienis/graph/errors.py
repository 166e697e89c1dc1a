"""Errors of the graph capability (problem+json 4xx in the API, one line in the CLI)."""

from __future__ import annotations

from pasienis.errors import NotFoundError, PasienisError


class GraphError(PasienisError):
    """A graph query that cannot be answered as asked."""

    kind = "graph"


class UnknownNodeError(NotFoundError):
    """An entity id that is not in the graph, or not visible to the caller (same answer)."""

    kind = "graph-unknown-node"


class UnknownEdgeError(NotFoundError):
    """An edge id that does not decode or names no visible edge."""

    kind = "graph-unknown-edge"


class NoPathError(NotFoundError):
    """The two entities are not connected (within the limits and filters of the query)."""

    kind = "graph-no-path"


class QueryLimitError(GraphError):
    """A query parameter outside its allowed range (depth, node cap, path length)."""

    status_code = 422
    kind = "graph-limit"


class PatternSyntaxError(GraphError):
    """A pattern query that does not parse; ``position`` is the 0-based character offset."""

    status_code = 422
    kind = "graph-pattern-syntax"

    def __init__(self, message: str, *, text: str, position: int) -> None:
        pointer = f"{text}\n{' ' * position}^"
        super().__init__(
            f"pattern syntax error at position {position}: {message}",
            hint=f"the pattern, with the error marked:\n{pointer}",
        )
        self.position = position


class PatternNotFoundError(NotFoundError):
    """No saved pattern with that name (or it belongs to datasets the caller cannot see)."""

    kind = "graph-pattern-not-found"


class ExportError(GraphError):
    """An export that could not load an entity it was asked to write (never dropped
    silently: the whole export fails and names the entity)."""

    status_code = 500
    kind = "graph-export-failed"
