"""The root of every error pasienis raises on purpose.

Each capability derives its own hierarchy from :class:`PasienisError`; the API maps them to
``application/problem+json`` and the CLI prints a one-line message and a hint.
"""

from __future__ import annotations


class PasienisError(Exception):
    """An error the user can act on: it carries a message and an optional hint."""

    #: HTTP status the API answers with when this error escapes a route.
    status_code: int = 400
    #: Short machine-readable kind, used as the problem+json ``type`` suffix.
    kind: str = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigurationError(PasienisError):
    """Settings that cannot work (bad database URL, unwritable data directory)."""

    kind = "configuration"


class NotFoundError(PasienisError):
    """A thing asked for by id does not exist (or is not visible to the caller)."""

    status_code = 404
    kind = "not-found"
