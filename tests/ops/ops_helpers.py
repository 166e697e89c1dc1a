"""Helpers of the ops tests: people with roles, units with devices."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from pasienis.ops import service
from pasienis.security import Role
from pasienis.security.compartments import GranteeKind, ResourceKind, grant
from pasienis.security.credentials import create_token
from pasienis.security.users import create_user
from pasienis.store import Store


@dataclass
class Crew:
    """A unit with one device, and bearer headers of people with different roles."""

    unit_id: str
    call_sign: str
    device_id: str
    secret: str
    dispatcher: dict[str, str]
    officer: dict[str, str]
    other_officer: dict[str, str]


def person(store: Store, name: str, *roles: Role, datasets: tuple[str, ...] = ()) -> dict[str, str]:
    """A user with ``roles`` (and read grants on ``datasets``) and a bearer header for them."""
    with store.begin() as conn:
        user = create_user(conn, name=name, roles=roles)
        for dataset in datasets:
            grant(conn, resource_kind=ResourceKind.dataset, resource=dataset,
                  grantee_kind=GranteeKind.user, grantee=user.id, granted_by="test")  # fmt: skip
        token = create_token(conn, user_id=user.id)
    return {"Authorization": f"Bearer {token.secret}"}


def make_unit(
    store: Store, call_sign: str, device_id: str, *, crew: list[str] | None = None, **kw: object
) -> tuple[dict, str]:
    with store.begin() as conn:
        unit = service.add_unit(conn, call_sign=call_sign, crew=crew or [], **kw)  # type: ignore[arg-type]
        _device, secret = service.add_device(conn, device_id=device_id, unit_ref=call_sign)
    return unit, secret


def service_missing(what: str, reason: object) -> None:
    """Skip outside CI; fail in CI (same rule as the root conftest's helper)."""
    message = f"{what} is not available: {reason}"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
