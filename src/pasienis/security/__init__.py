"""Users, roles, compartments, sessions/tokens and the hash-chained audit log.

Public surface for other capabilities: :class:`Role`, :class:`Principal`,
:func:`visible_datasets` (read through the caller's grants) and :func:`writable_datasets`,
:func:`register_dataset` / :func:`ensure_datasets` (ingest registers the datasets it loads),
:func:`claim_for_writing` (check a write grant; a new dataset gets its creator as owner),
:func:`validate_dataset_name`, :func:`principal_for_user` (act for an account outside a
request: a job, the CLI), :class:`PrincipalCache` (principals per credential, valid while the
security epoch stands: hand one to :func:`authenticate`), :class:`AuditEntry` and
:func:`append_in` (log an action inside the caller's own write transaction, e.g. a merge).
"""

from pasienis.security.audit import AuditEntry, append_entry, append_in, verify_chain
from pasienis.security.authn import Credentials, authenticate, principal_for_user
from pasienis.security.compartments import (
    DATASET_NAME_PATTERN,
    Permission,
    claim_for_writing,
    ensure_datasets,
    is_registered,
    register_dataset,
    validate_dataset_name,
)
from pasienis.security.errors import (
    CsrfRejectedError,
    ForbiddenError,
    InvalidDatasetNameError,
    LockedOutError,
    PurposeRequiredError,
    SecurityError,
    UnauthenticatedError,
)
from pasienis.security.principal_cache import PrincipalCache
from pasienis.security.principals import (
    HUMAN_ROLES,
    Clearance,
    Principal,
    PrincipalKind,
    Role,
    visible_datasets,
    writable_datasets,
)

__all__ = [
    "DATASET_NAME_PATTERN",
    "HUMAN_ROLES",
    "AuditEntry",
    "Clearance",
    "Credentials",
    "CsrfRejectedError",
    "ForbiddenError",
    "InvalidDatasetNameError",
    "LockedOutError",
    "Permission",
    "Principal",
    "PrincipalCache",
    "PrincipalKind",
    "PurposeRequiredError",
    "Role",
    "SecurityError",
    "UnauthenticatedError",
    "append_entry",
    "append_in",
    "authenticate",
    "claim_for_writing",
    "ensure_datasets",
    "is_registered",
    "principal_for_user",
    "register_dataset",
    "validate_dataset_name",
    "verify_chain",
    "visible_datasets",
    "writable_datasets",
]
