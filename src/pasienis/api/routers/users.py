"""Administration of accounts and compartments: users, roles, tokens, datasets, grants.

Administrator only; every change is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from pasienis.api.deps import AuditorDep, Principal, Role, require
from pasienis.api.sockets import user_subject
from pasienis.errors import NotFoundError, PasienisError
from pasienis.security.compartments import (
    GranteeKind,
    ResourceKind,
    grant,
    list_datasets,
    list_grants,
    register_dataset,
    revoke,
)
from pasienis.security.credentials import create_token, revoke_tokens
from pasienis.security.errors import ForbiddenError, OidcError
from pasienis.security.oidc import link_identity
from pasienis.security.passwords import generate_password
from pasienis.security.schemas import (
    DatasetUpdate,
    DisabledUpdate,
    GrantRead,
    GrantRequest,
    IdentityLink,
    RolesUpdate,
    TokenIssued,
    TokensRevoked,
    UserCreate,
    UserCreated,
    UserRead,
)
from pasienis.security.users import (
    UserInfo,
    create_user,
    get_user,
    list_users,
    set_disabled,
    set_roles,
)

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
    request.app.state.sockets.revoke(user_subject(info.id))  # a removed role ends live feeds
    audit.record("user.roles", detail={"user": name, "roles": list(info.roles)})
    return _read(info)


@router.post("/users/{name}/tokens", status_code=201)
def issue_token(name: str, request: Request, _admin: Admin, audit: AuditorDep) -> TokenIssued:
    """Issue an API bearer token for an account (shown once; only its hash is kept)."""
    with request.app.state.store.begin() as conn:
        issued = create_token(
            conn,
            user_id=get_user(conn, name=name).id,
            label="api",
            ttl_days=request.app.state.settings.api_token_ttl_days,
        )
    audit.record("user.token", detail={"user": name})
    return TokenIssued(token=issued.secret, expires_at=issued.expires_at)


@router.put("/users/{name}/disabled")
def update_disabled(
    name: str, body: DisabledUpdate, request: Request, admin: Admin, audit: AuditorDep
) -> UserRead:
    """Disable an account (its sessions and tokens end at once) or enable it again."""
    if body.disabled and name == admin.name:
        # An administrator locking themselves out could leave nobody to undo it.
        raise ForbiddenError("you cannot disable your own account")
    with request.app.state.store.begin() as conn:
        set_disabled(conn, user_id=get_user(conn, name=name).id, disabled=body.disabled)
        info = get_user(conn, name=name)
    request.app.state.sockets.revoke(user_subject(info.id))
    audit.record("user.disable" if body.disabled else "user.enable", detail={"user": name})
    return _read(info)


@router.put("/users/{name}/identities", status_code=204)
def link_oidc(
    name: str, body: IdentityLink, request: Request, admin: Admin, audit: AuditorDep
) -> Response:
    """Link an OpenID identity (``iss``, ``sub``) to an account: single sign-on then finds it."""
    issuer = body.issuer or request.app.state.settings.oidc_issuer
    if not issuer:
        raise OidcError("name the issuer, or configure PASIENIS_OIDC_ISSUER")
    with request.app.state.store.begin() as conn:
        link_identity(
            conn,
            user_id=get_user(conn, name=name).id,
            issuer=issuer,
            subject=body.subject,
            linked_by=admin.name,
        )
    audit.record("user.identity.link", detail={"user": name, "issuer": issuer})
    return Response(status_code=204)


@router.delete("/users/{name}/tokens")
def revoke_user_tokens(
    name: str, request: Request, _admin: Admin, audit: AuditorDep
) -> TokensRevoked:
    """Revoke every API bearer token of an account (sessions are not touched)."""
    with request.app.state.store.begin() as conn:
        user_id = get_user(conn, name=name).id
        count = revoke_tokens(conn, user_id=user_id)
    request.app.state.sockets.revoke(user_subject(user_id))
    audit.record("user.token.revoke", detail={"user": name, "revoked": count})
    return TokensRevoked(revoked=count)


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
    """Open a dataset (or ``*``, every dataset) to a user or a group, to read or to write."""
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
            permission=body.permission,
        )
    who = body.user or body.group or ""
    audit.record(
        "dataset.grant", detail={"dataset": name, str(kind): who, "permission": body.permission}
    )
    return {"dataset": name, str(kind): who, "permission": body.permission}


@router.get("/grants")
def grants(request: Request, _admin: Admin) -> list[GrantRead]:
    """Every dataset grant: who may see which dataset (``*`` is every dataset)."""
    with request.app.state.store.read() as conn:
        rows = list_grants(conn, resource_kind=ResourceKind.dataset)
    return [GrantRead.model_validate(r) for r in rows]


@router.delete("/datasets/{name}/grants", status_code=204)
def revoke_dataset(
    name: str,
    request: Request,
    _admin: Admin,
    audit: AuditorDep,
    user: Annotated[str | None, Query(max_length=128)] = None,
    group: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    """Close a dataset to a user or a group again (exactly one); 404 if no such grant."""
    if (user is None) == (group is None):
        raise PasienisError("name exactly one of user or group")
    with request.app.state.store.begin() as conn:
        if user is not None:
            kind, grantee = GranteeKind.user, get_user(conn, name=user).id
        else:
            kind, grantee = GranteeKind.group, str(group)
        found = revoke(
            conn,
            resource_kind=ResourceKind.dataset,
            resource=name,
            grantee_kind=kind,
            grantee=grantee,
        )
    if not found:
        raise NotFoundError(f"no grant of {name!r} to {user or group!r}")
    audit.record("dataset.revoke", detail={"dataset": name, str(kind): user or group or ""})
    return Response(status_code=204)
