"""Pydantic shapes of the security API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from pasienis.security.identifiers import normal_identifier
from pasienis.security.principals import Clearance, Role


class LoginRequest(BaseModel):
    """Password sign-in (the name in NFKC, as account names are stored)."""

    name: Annotated[str, AfterValidator(normal_identifier)] = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(BaseModel):
    """A user changes their own password."""

    current: str = Field(min_length=1, max_length=1024)
    new: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    """Who the caller is, and the CSRF token for cookie sessions (after sign-in)."""

    id: str
    name: str
    roles: list[Role]
    kind: str
    datasets: list[str]
    writable: list[str] = Field(default_factory=list, description="datasets it may import into")
    csrf_token: str | None = None


class UserCreate(BaseModel):
    """A new account; the generated password is returned once."""

    name: str = Field(min_length=1, max_length=128, pattern=r"^[\w.@-]+$")
    roles: list[Role] = Field(min_length=1)
    clearance: Clearance = Clearance.restricted
    display_name: str | None = Field(default=None, max_length=256)


class UserRead(BaseModel):
    """An account as administrators see it."""

    id: str
    name: str
    display_name: str | None
    roles: list[Role]
    clearance: Clearance
    disabled: bool
    created_at: datetime


class UserCreated(UserRead):
    """The new account with its one-time password."""

    password: str


class RolesUpdate(BaseModel):
    """Replace an account's roles."""

    roles: list[Role]


class TokenIssued(BaseModel):
    """A bearer token, shown once."""

    token: str
    expires_at: datetime | None


class DatasetUpdate(BaseModel):
    """Register a dataset or change its classification."""

    classification: Clearance = Clearance.restricted
    title: str | None = Field(default=None, max_length=256)


class GrantRequest(BaseModel):
    """Open a dataset to a user or a group (exactly one)."""

    user: str | None = Field(default=None, max_length=128)
    group: str | None = Field(default=None, max_length=128)
    permission: Literal["read", "write"] = Field(
        default="read", description="read, or write (imports into the dataset; includes read)"
    )


class IdentityLink(BaseModel):
    """An OpenID identity to link to an account: the provider's ``sub`` (and ``iss``)."""

    subject: str = Field(min_length=1, max_length=255)
    issuer: str | None = Field(
        default=None, max_length=512, description="default: the configured oidc_issuer"
    )


class DisabledUpdate(BaseModel):
    """Disable (or re-enable) an account."""

    disabled: bool


class TokensRevoked(BaseModel):
    """How many live API tokens of an account were revoked."""

    revoked: int


class GrantRead(BaseModel):
    """One grant: who (a user's name or a group) may see which dataset (or ``*``)."""

    resource: str
    grantee_kind: str
    grantee: str
    permission: str = "read"
    granted_by: str | None
    granted_at: datetime


class AuditRead(BaseModel):
    """One audit entry."""

    seq: int
    at: datetime
    actor_id: str | None
    actor_name: str | None
    actor_kind: str | None
    action: str
    entity_ids: list[str]
    query: Any
    detail: dict[str, Any]
    purpose: str | None
    ip: str | None
    user_agent: str | None
    outcome: str
    prev_hash: str
    hash: str


class VerifyRead(BaseModel):
    """The result of verifying the audit chain."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None
    anchor_seq: int | None = None
    anchor_at: str | None = None
