"""Errors of the jobs capability."""

from __future__ import annotations

from pasienis.errors import NotFoundError, PasienisError


class JobError(PasienisError):
    """A job cannot be created, run or changed as asked."""

    kind = "job"


class UnknownJobKindError(JobError):
    """No handler is registered for the job kind."""

    kind = "unknown-job-kind"


class JobNotFoundError(NotFoundError):
    """No job with that id."""


class JobCancelledError(JobError):
    """Raised inside a running job (from its progress callback) once it was cancelled."""

    status_code = 409
    kind = "job-cancelled"
