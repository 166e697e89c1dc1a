"""Errors of patrol and task planning: a plan that cannot be made is the caller's to fix."""

from __future__ import annotations

from pasienis.errors import PasienisError


class PlanningError(PasienisError):
    """A plan cannot be made from what was given (no units, empty shift, no candidates)."""

    status_code = 422
    kind = "planning"
