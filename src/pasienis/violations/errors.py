"""Errors of the violations capability: bad analysis input is the user's to fix (4xx)."""

from __future__ import annotations

from pasienis.errors import PasienisError


class ViolationsError(PasienisError):
    """Base of every violations error."""

    kind = "violations"


class AnalysisInputError(ViolationsError):
    """An analysis cannot run on what was asked (empty period, bandwidth 0, bad resolution)."""

    status_code = 422
    kind = "analysis-input"
