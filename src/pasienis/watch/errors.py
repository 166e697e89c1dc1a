"""Errors of the watch capability."""

from __future__ import annotations

from pasienis.errors import NotFoundError, PasienisError


class WatchError(PasienisError):
    """A watchlist, entry, alert or camera source request that cannot be done."""

    kind = "watch"


class WatchNotFoundError(NotFoundError):
    """No such watchlist, entry, alert or source (or not visible to the caller)."""


class AlertStateError(WatchError):
    """An alert cannot move that way (already dismissed, no place for a task...)."""

    status_code = 409
    kind = "watch-alert-state"


class SourceAuthError(WatchError):
    """A camera source sent no valid credential."""

    status_code = 401
    kind = "watch-source-auth"
