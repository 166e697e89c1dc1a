"""Users, roles, compartments, sessions/tokens and the hash-chained audit log.

Public surface for other capabilities: :class:`Role`, :class:`Principal`,
:func:`visible_datasets`, :func:`register_dataset` / :func:`ensure_datasets` (ingest
registers the datasets it loads), :class:`AuditEntry` and :func:`append_in` (log an action
inside the caller's own write transaction, e.g. a merge).
"""

from pasienis.security.audit import AuditEntry, append_entry, append_in, verify_chain
from pasienis.security.authn import Credentials, authenticate
from pasienis.security.compartments import ensure_datasets, register_dataset
from pasienis.security.errors import (
    CsrfRejectedError,
    ForbiddenError,
    LockedOutError,
    SecurityError,
    UnauthenticatedError,
)
from pasienis.security.principals import (
    HUMAN_ROLES,
    Clearance,
    Principal,
    PrincipalKind,
    Role,
    visible_datasets,
)

__all__ = [
    "HUMAN_ROLES",
    "AuditEntry",
    "Clearance",
    "Credentials",
    "CsrfRejectedError",
    "ForbiddenError",
    "LockedOutError",
    "Principal",
    "PrincipalKind",
    "Role",
    "SecurityError",
    "UnauthenticatedError",
    "append_entry",
    "append_in",
    "authenticate",
    "ensure_datasets",
    "register_dataset",
    "verify_chain",
    "visible_datasets",
]
