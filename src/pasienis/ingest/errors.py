"""Errors of the ingest capability."""

from __future__ import annotations

from pasienis.errors import NotFoundError, PasienisError


class IngestError(PasienisError):
    """A source or a mapping cannot be read as asked."""

    kind = "ingest"


class SourceError(IngestError):
    """The source file itself is unreadable (empty, binary, wrong sheet, bad encoding)."""

    status_code = 422
    kind = "ingest-source"


class MappingError(IngestError):
    """A mapping file is invalid; the message names the file and line of each problem."""

    status_code = 422
    kind = "ingest-mapping"


class ImportRunNotFoundError(NotFoundError):
    """No import run or quarantine entry with that id."""
