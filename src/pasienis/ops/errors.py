"""Errors of the ops capability."""

from __future__ import annotations

from pasienis.errors import NotFoundError, PasienisError


class OpsError(PasienisError):
    """Something an ops request asked for cannot be done."""

    kind = "ops"


class UnknownUnitError(NotFoundError):
    """No unit with that id or call sign."""

    kind = "unknown-unit"


class UnknownTaskError(NotFoundError):
    """No task with that id (or not visible to the caller)."""

    kind = "unknown-task"


class DeviceAuthError(OpsError):
    """A device is unknown, inactive, or sent the wrong secret. Nothing is stored."""

    status_code = 401
    kind = "device-auth"


class BadFixError(OpsError):
    """A position request that cannot be parsed into a fix at all."""

    status_code = 400
    kind = "bad-position"


class IllegalTransitionError(OpsError):
    """A task cannot move from its current status to the one asked for."""

    status_code = 409
    kind = "illegal-transition"


class ConflictError(OpsError):
    """The thing exists already (a call sign, a device id)."""

    status_code = 409
    kind = "conflict"


class IngestBusyError(OpsError):
    """The position queue is full or its writer stopped: retry shortly (503)."""

    status_code = 503
    kind = "ingest-busy"
