"""Who is asking: roles and the authenticated :class:`Principal`.

Defined in the security capability (not in the API) so capabilities below the API — ops,
search, graph — can take a ``Principal`` and filter by :func:`visible_datasets` without
importing the web layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """What a principal may do. Roles are explicit: no role implies another.

    An administrator manages schema, mappings and users but does not read personal data
    unless also given ``analyst``; an auditor reads the audit log only (least privilege,
    Directive 2016/680 Art. 25).
    """

    administrator = "administrator"
    analyst = "analyst"
    dispatcher = "dispatcher"
    field_officer = "field_officer"
    auditor = "auditor"
    device = "device"


#: Every role a person (not a phone) can have.
HUMAN_ROLES: tuple[Role, ...] = (
    Role.administrator,
    Role.analyst,
    Role.dispatcher,
    Role.field_officer,
    Role.auditor,
)


class PrincipalKind(StrEnum):
    """How the principal authenticated."""

    user = "user"  # browser session (cookie)
    token = "token"  # noqa: S105 - an enum label, not a secret; API bearer token
    device = "device"  # a phone: device token via bearer, HTTP Basic or query token


class Clearance(StrEnum):
    """Classification levels, lowest first. A user sees a dataset only at or below clearance."""

    public = "public"
    restricted = "restricted"
    confidential = "confidential"
    secret = "secret"  # noqa: S105 - a classification level, not a secret

    @property
    def rank(self) -> int:
        """Position in the order public < restricted < confidential < secret."""
        return list(Clearance).index(self)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, resolved once per request.

    Attributes:
        user_id: Stable id of the user (or device) account.
        name: Login name, as shown in the audit log.
        roles: The roles the account holds.
        kind: How it authenticated (session, bearer token, device credential).
        datasets: Source datasets whose statements it may see (compartments), resolved
            from grants and clearance when the request was authenticated.
        writable: Datasets it may write to (write grants; a subset of ``datasets``).
        compartments: Case ids it may see (cases come later; grants already exist).
        credential_id: The session or token row id (for logout / revocation).
    """

    user_id: str
    name: str
    roles: frozenset[Role]
    kind: PrincipalKind = PrincipalKind.user
    datasets: frozenset[str] = field(default_factory=frozenset)
    writable: frozenset[str] = field(default_factory=frozenset)
    compartments: frozenset[str] = field(default_factory=frozenset)
    credential_id: str | None = None

    def has(self, *roles: Role) -> bool:
        """Whether the principal holds any of ``roles``."""
        return bool(self.roles.intersection(roles))


def visible_datasets(principal: Principal) -> frozenset[str]:
    """The datasets whose statements ``principal`` may see.

    Pass it as ``datasets=`` to :func:`pasienis.model.service.load_entity`,
    ``entity_statement_rows`` and any search/graph query, so compartments apply at the
    statement level. Empty means nothing is visible (deny by default), never "everything".
    """
    return principal.datasets


def writable_datasets(principal: Principal) -> frozenset[str]:
    """The datasets ``principal`` may write to (import into); empty means none."""
    return principal.writable
