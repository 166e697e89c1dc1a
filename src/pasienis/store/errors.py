"""Errors of the store."""

from __future__ import annotations

from pasienis.errors import PasienisError


class StoreError(PasienisError):
    """The store cannot do what was asked (missing engine feature, bad URL, bad value)."""

    kind = "store"
    status_code = 500
