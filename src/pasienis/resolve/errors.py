"""Errors of the resolve capability."""

from __future__ import annotations

from pasienis.errors import NotFoundError, PasienisError


class ResolveError(PasienisError):
    """Entity resolution cannot do what was asked."""

    kind = "resolve"


class UnknownKindError(ResolveError):
    """An entity kind other than person, company or vehicle."""

    status_code = 422
    kind = "resolve-kind"


class NoModelError(ResolveError):
    """Incremental scoring needs a batch run's saved model first."""

    status_code = 409
    kind = "resolve-no-model"


class ConflictingJudgementError(ResolveError):
    """A decision contradicts an active one (merge across a not-same, undo of an undo)."""

    status_code = 409
    kind = "resolve-conflict"


class SparkUnavailableError(ResolveError):
    """The Spark engine was asked for but pyspark or Java is missing."""

    status_code = 422
    kind = "resolve-spark"


class CandidateNotFoundError(NotFoundError):
    """No candidate pair, judgement or run with that id (or not visible to the caller)."""
