"""Errors of the cases capability."""

from __future__ import annotations

from pasienis.errors import NotFoundError, PasienisError


class CaseError(PasienisError):
    """A case request that cannot be done."""

    kind = "case"


class CaseNotFoundError(NotFoundError):
    """No such case or item, or the caller is not a member (the two look the same)."""

    kind = "case-not-found"


class CaseReadOnlyError(CaseError):
    """The caller may read the case but not change it (a read grant)."""

    status_code = 403
    kind = "case-read-only"


class CaseItemError(CaseError):
    """An item that cannot be put in a case (unknown kind, missing reference, too large)."""

    status_code = 422
    kind = "case-item"
