"""One call to set up an account with roles, dataset grants and an API token.

For the demo loader, scripted deployments and tests: the same steps an administrator takes
with ``pasienis users add``, ``users grant`` and ``users token``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from pasienis.security.compartments import (
    GranteeKind,
    ResourceKind,
    ensure_datasets,
    grant,
)
from pasienis.security.credentials import create_token
from pasienis.security.principals import Clearance, Role
from pasienis.security.users import create_user


def provision(
    conn: Connection,
    *,
    name: str,
    roles: Iterable[Role],
    datasets: Iterable[str] = (),
    clearance: Clearance = Clearance.restricted,
    password: str | None = None,
    classification: Clearance = Clearance.restricted,
) -> str:
    """Create ``name`` with ``roles``, open ``datasets`` to it, and return a new API token.

    Datasets not registered yet are registered at ``classification``.
    """
    info = create_user(conn, name=name, roles=roles, password=password, clearance=clearance)
    for dataset in datasets:
        if dataset != "*":
            ensure_datasets(conn, [dataset], classification=str(classification))
        grant(
            conn,
            resource_kind=ResourceKind.dataset,
            resource=dataset,
            grantee_kind=GranteeKind.user,
            grantee=info.id,
            granted_by="provision",
        )
    return create_token(conn, user_id=info.id, label="provisioned").secret
