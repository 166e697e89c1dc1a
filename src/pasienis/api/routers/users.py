"""Administration of accounts and compartments: users, roles, tokens, datasets, grants.

Administrator only; every change is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from pasienis.api.deps import AuditorDep, Principal, Role, require
from pasienis.errors import PasienisError
from pasienis.security.compartments import (
    GranteeKind,
    ResourceKind,
    grant,
    list_datasets,
    register_dataset,
)
from pasienis.security.credentials import create_token
from pasienis.security.passwords import generate_password
from pasienis.security.schemas import (
    DatasetUpdate,
    GrantRequest,
    RolesUpdate,
    TokenIssued,
    UserCreate,
    UserCreated,
    UserRead,
)
from pasienis.security.users import UserInfo, create_user, get_user, list_users, set_roles

router = APIRouter(prefix="/api", tags=["administration"])
Admin = Annotated[Principal, Depends(require(Role.administrator))]
NAME = r"^[\w.@-]+$"


def _read(info: UserInfo) -> UserRead:
    return UserRead(
        id=info.id,
        name=info.name,
        display_name=info.display_name,
        roles=list(info.roles),
        clearance=info.clearance,
        disabled=info.disabled,
        created_at=info.created_at,
    )


@router.get("/users")
def users(request: Request, _admin: Admin) -> list[UserRead]:
    """Every account."""
    with request.app.state.store.read() as conn:
        return [_read(u) for u in list_users(conn)]


@router.post("/users", status_code=201)
def add_user(body: UserCreate, request: Request, _admin: Admin, audit: AuditorDep) -> UserCreated:
    """Create an account; its generated password is in the answer, once."""
    password = generate_password()
    with request.app.state.store.begin() as conn:
        info = create_user(
            conn,
            name=body.name,
            roles=body.roles,
            password=password,
            clearance=body.clearance,
            display_name=body.display_name,
        )
    audit.record("user.create", detail={"user": info.name, "roles": list(info.roles)})
    return UserCreated(**_read(info).model_dump(), password=password)


@router.put("/users/{name}/roles")
def update_roles(
    name: str, body: RolesUpdate, request: Request, _admin: Admin, audit: AuditorDep
) -> UserRead:
    """Replace an account's roles."""
    with request.app.state.store.begin() as conn:
        set_roles(conn, user_id=get_user(conn, name=name).id, roles=body.roles)
        info = get_user(conn, name=name)
    audit.record("user.roles", detail={"user": name, "roles": list(info.roles)})
    return _read(info)


@router.post("/users/{name}/tokens", status_code=201)
def issue_token(name: str, request: Request, _admin: Admin, audit: AuditorDep) -> TokenIssued:
    """Issue an API bearer token for an account (shown once; only its hash is kept)."""
    with request.app.state.store.begin() as conn:
        issued = create_token(conn, user_id=get_user(conn, name=name).id, label="api")
    audit.record("user.token", detail={"user": name})
    return TokenIssued(token=issued.secret, expires_at=issued.expires_at)


@router.get("/datasets")
def datasets(request: Request, _admin: Admin) -> list[dict[str, str | None]]:
    """Registered source datasets and their classification."""
    with request.app.state.store.read() as conn:
        rows = list_datasets(conn)
    return [{"name": n, "classification": c, "title": t} for n, c, t in rows]


@router.put("/datasets/{name}")
def put_dataset(
    name: str, body: DatasetUpdate, request: Request, _admin: Admin, audit: AuditorDep
) -> dict[str, str | None]:
    """Register a dataset or change its classification."""
    with request.app.state.store.begin() as conn:
        register_dataset(conn, name=name, classification=body.classification, title=body.title)
    audit.record("dataset.classify", detail={"dataset": name, "to": str(body.classification)})
    return {"name": name, "classification": str(body.classification), "title": body.title}


@router.post("/datasets/{name}/grants", status_code=201)
def grant_dataset(
    name: str, body: GrantRequest, request: Request, admin: Admin, audit: AuditorDep
) -> dict[str, str]:
    """Open a dataset (or ``*``, every dataset) to a user or a group."""
    if (body.user is None) == (body.group is None):
        raise PasienisError("name exactly one of user or group")
    with request.app.state.store.begin() as conn:
        if body.user is not None:
            kind, grantee = GranteeKind.user, get_user(conn, name=body.user).id
        else:
            kind, grantee = GranteeKind.group, str(body.group)
        grant(
            conn,
            resource_kind=ResourceKind.dataset,
            resource=name,
            grantee_kind=kind,
            grantee=grantee,
            granted_by=admin.name,
        )
    who = body.user or body.group or ""
    audit.record("dataset.grant", detail={"dataset": name, str(kind): who})
    return {"dataset": name, str(kind): who}
