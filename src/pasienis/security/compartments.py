"""Compartments: datasets and cases with a classification and an access list.

A user sees a dataset's statements only when a grant names the dataset (or ``*``) for the
user or one of their groups AND the dataset's classification is at or below the user's
clearance. A dataset that is not registered is visible to nobody: nothing is readable
without a rule that allows it.

A grant has a :class:`Permission`: ``read``, or ``write`` (which includes read). Writing to a
dataset (an import) needs a write grant and the clearance; the first import into a dataset
that does not exist yet registers it and makes the importer its owner (a write grant,
:func:`claim_for_writing`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, and_, delete, insert, or_, select, update

from pasienis.security.errors import ForbiddenError, InvalidDatasetNameError, SecurityError
from pasienis.security.models import access_grants, datasets, group_members, users
from pasienis.security.principals import Clearance
from pasienis.security.users import now

EVERY = "*"
#: Dataset names: lower-case letter first, then letters, digits, ``_`` or ``-`` (64 at most).
#: Names end up in file names, URLs and log lines: no dots, slashes or spaces, ever.
DATASET_NAME_PATTERN = r"^[a-z][a-z0-9_-]{1,63}$"
_DATASET_NAME = re.compile(DATASET_NAME_PATTERN)


class Permission(StrEnum):
    """What a dataset grant allows: ``write`` includes ``read``."""

    read = "read"
    write = "write"


def validate_dataset_name(name: object) -> str:
    """``name`` if it matches :data:`DATASET_NAME_PATTERN`; else InvalidDatasetNameError."""
    if not isinstance(name, str) or not _DATASET_NAME.fullmatch(name):
        raise InvalidDatasetNameError(
            f"invalid dataset name {str(name)[:80]!r}",
            hint="2-64 characters: a lower-case letter, then a-z, 0-9, _ or -",
        )
    return name


class ResourceKind(StrEnum):
    """What a grant opens."""

    dataset = "dataset"
    case = "case"


class GranteeKind(StrEnum):
    """Who a grant is for."""

    user = "user"
    group = "group"


def register_dataset(
    conn: Connection,
    *,
    name: str,
    classification: Clearance | str = Clearance.restricted,
    title: str | None = None,
) -> None:
    """Register a source dataset (idempotent; a later call changes its classification/title)."""
    validate_dataset_name(name)
    level = _level(classification)
    found = conn.execute(select(datasets.c.name).where(datasets.c.name == name)).first()
    if found:
        conn.execute(
            update(datasets)
            .where(datasets.c.name == name)
            .values(classification=str(level), title=title)
        )
        return
    conn.execute(
        insert(datasets).values(name=name, title=title, classification=str(level), created_at=now())
    )


def list_datasets(conn: Connection) -> list[tuple[str, str, str | None]]:
    """``(name, classification, title)`` of every registered dataset."""
    rows = conn.execute(
        select(datasets.c.name, datasets.c.classification, datasets.c.title).order_by(
            datasets.c.name
        )
    )
    return [(r.name, r.classification, r.title) for r in rows]


def grant(
    conn: Connection,
    *,
    resource_kind: ResourceKind,
    resource: str,
    grantee_kind: GranteeKind,
    grantee: str,
    granted_by: str | None,
    permission: Permission | str = Permission.read,
) -> bool:
    """Open ``resource`` to a user id or group with ``permission`` (a grant that exists with
    another permission is changed to this one); returns ``False`` when it already was so."""
    level = Permission(permission)
    if resource_kind is ResourceKind.dataset and resource != EVERY:
        validate_dataset_name(resource)
    key = _grant_key(resource_kind, resource, grantee_kind, grantee)
    found = conn.execute(select(access_grants.c.permission).where(key)).first()
    if found is not None:
        if found.permission == str(level):
            return False
        conn.execute(
            update(access_grants)
            .where(key)
            .values(permission=str(level), granted_by=granted_by, granted_at=now())
        )
        return True
    conn.execute(
        insert(access_grants).values(
            resource_kind=str(resource_kind),
            resource=resource,
            grantee_kind=str(grantee_kind),
            grantee=grantee,
            permission=str(level),
            granted_by=granted_by,
            granted_at=now(),
        )
    )
    return True


def revoke(
    conn: Connection,
    *,
    resource_kind: ResourceKind,
    resource: str,
    grantee_kind: GranteeKind,
    grantee: str,
) -> bool:
    """Remove a grant; returns whether one existed."""
    result = conn.execute(
        delete(access_grants).where(_grant_key(resource_kind, resource, grantee_kind, grantee))
    )
    return bool(result.rowcount)


def list_grants(conn: Connection, *, resource_kind: ResourceKind) -> list[dict[str, object]]:
    """Every grant of ``resource_kind``, with the user's name for grants to a user.

    Administrators review who may see what; a grant to an account that no longer exists
    shows its id as the name, so it stays visible (and revocable) rather than hidden.
    """
    rows = conn.execute(
        select(access_grants, users.c.name.label("user_name"))
        .select_from(
            access_grants.outerjoin(
                users,
                and_(
                    access_grants.c.grantee_kind == str(GranteeKind.user),
                    access_grants.c.grantee == users.c.id,
                ),
            )
        )
        .where(access_grants.c.resource_kind == str(resource_kind))
        .order_by(access_grants.c.resource, access_grants.c.grantee_kind, access_grants.c.grantee)
    )
    return [
        {
            "resource": r.resource,
            "grantee_kind": r.grantee_kind,
            "grantee": r.user_name or r.grantee,
            "permission": r.permission,
            "granted_by": r.granted_by,
            "granted_at": r.granted_at,
        }
        for r in rows
    ]


def add_to_group(conn: Connection, *, user_id: str, group: str) -> None:
    """Make a user a member of a group (idempotent)."""
    where = and_(group_members.c.user_id == user_id, group_members.c.group_name == group)
    if not conn.execute(select(group_members.c.user_id).where(where)).first():
        conn.execute(insert(group_members).values(user_id=user_id, group_name=group))


def granted(
    conn: Connection,
    *,
    user_id: str,
    kind: ResourceKind,
    permission: Permission = Permission.read,
) -> set[str]:
    """Resources of ``kind`` granted to the user directly or through a group, with at least
    ``permission`` (every grant allows reading; only write grants allow writing)."""
    groups = select(group_members.c.group_name).where(group_members.c.user_id == user_id)
    levels = [str(Permission.write)] if permission is Permission.write else list(Permission)
    rows = conn.execute(
        select(access_grants.c.resource).where(
            access_grants.c.resource_kind == str(kind),
            access_grants.c.permission.in_(levels),
            or_(
                and_(
                    access_grants.c.grantee_kind == str(GranteeKind.user),
                    access_grants.c.grantee == user_id,
                ),
                and_(
                    access_grants.c.grantee_kind == str(GranteeKind.group),
                    access_grants.c.grantee.in_(groups),
                ),
            ),
        )
    )
    return set(rows.scalars())


def visible_dataset_names(
    conn: Connection, *, user_id: str, clearance: Clearance
) -> frozenset[str]:
    """Registered datasets the user is granted and cleared for."""
    return _cleared(conn, granted(conn, user_id=user_id, kind=ResourceKind.dataset), clearance)


def writable_dataset_names(
    conn: Connection, *, user_id: str, clearance: Clearance
) -> frozenset[str]:
    """Registered datasets the user holds a write grant on and is cleared for."""
    names = granted(conn, user_id=user_id, kind=ResourceKind.dataset, permission=Permission.write)
    return _cleared(conn, names, clearance)


def _cleared(conn: Connection, names: set[str], clearance: Clearance) -> frozenset[str]:
    """The registered datasets among ``names`` (``*``: all) at or below ``clearance``."""
    if not names:
        return frozenset()
    allowed_levels = [str(c) for c in Clearance if c.rank <= clearance.rank]
    query = select(datasets.c.name).where(datasets.c.classification.in_(allowed_levels))
    if EVERY not in names:
        query = query.where(datasets.c.name.in_(sorted(names)))
    return frozenset(conn.execute(query).scalars())


def visible_case_ids(conn: Connection, *, user_id: str) -> frozenset[str]:
    """Case ids granted to the user (cases arrive in a later issue; grants exist now)."""
    return frozenset(granted(conn, user_id=user_id, kind=ResourceKind.case))


def _grant_key(
    resource_kind: ResourceKind, resource: str, grantee_kind: GranteeKind, grantee: str
) -> ColumnElement[bool]:
    return and_(
        access_grants.c.resource_kind == str(resource_kind),
        access_grants.c.resource == resource,
        access_grants.c.grantee_kind == str(grantee_kind),
        access_grants.c.grantee == grantee,
    )


def _level(value: Clearance | str) -> Clearance:
    try:
        return Clearance(value)
    except ValueError as exc:
        raise SecurityError(
            f"unknown classification {value!r}",
            hint="one of: " + ", ".join(c.value for c in Clearance),
        ) from exc


def is_registered(conn: Connection, name: str) -> bool:
    """Whether ``name`` is a registered dataset."""
    return conn.execute(select(datasets.c.name).where(datasets.c.name == name)).first() is not None


def claim_for_writing(
    conn: Connection,
    *,
    dataset: str,
    user_id: str,
    classification: Clearance | str = Clearance.restricted,
) -> bool:
    """Check that the user may write to ``dataset``; a dataset not registered yet is
    registered at ``classification`` with the user as its owner (a write grant).

    Returns whether the dataset was created. The caller must make sure that an unregistered
    name holds no data yet (ingest checks its statements and runs): claiming a name whose
    data nobody could see would open that data to the claimant.

    Raises:
        InvalidDatasetNameError: the name breaks :data:`DATASET_NAME_PATTERN`.
        ForbiddenError: the dataset exists and the user holds no write grant on it (or lacks
            the clearance for its classification).
    """
    validate_dataset_name(dataset)
    row = conn.execute(
        select(users.c.clearance, users.c.disabled).where(users.c.id == user_id)
    ).first()
    if row is None or row.disabled:
        raise ForbiddenError("the importing account is disabled or gone")
    clearance = Clearance(row.clearance)
    if is_registered(conn, dataset):
        if dataset not in writable_dataset_names(conn, user_id=user_id, clearance=clearance):
            raise ForbiddenError(
                f"you may not write to dataset {dataset!r}",
                hint="an administrator grants write access: pasienis users grant NAME DATASET "
                "--write",
            )
        return False
    level = _level(classification)
    if level.rank > clearance.rank:
        level = clearance  # the owner must be able to read what they create
    register_dataset(conn, name=dataset, classification=level)
    grant(
        conn, resource_kind=ResourceKind.dataset, resource=dataset,
        grantee_kind=GranteeKind.user, grantee=user_id, granted_by="owner (created by import)",
        permission=Permission.write,
    )  # fmt: skip
    return True


def ensure_datasets(conn: Connection, names: Iterable[str], *, classification: str) -> None:
    """Register each of ``names`` that is not registered yet (ingest calls this)."""
    known = set(conn.execute(select(datasets.c.name)).scalars())
    for name in sorted(set(names) - known):
        register_dataset(conn, name=name, classification=classification)
