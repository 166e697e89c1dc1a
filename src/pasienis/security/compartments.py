"""Compartments: datasets and cases with a classification and an access list.

A user sees a dataset's statements only when a grant names the dataset (or ``*``) for the
user or one of their groups AND the dataset's classification is at or below the user's
clearance. A dataset that is not registered is visible to nobody: nothing is readable
without a rule that allows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, and_, delete, insert, or_, select, update

from pasienis.security.errors import SecurityError
from pasienis.security.models import access_grants, datasets, group_members, users
from pasienis.security.principals import Clearance
from pasienis.security.users import now

EVERY = "*"


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
) -> bool:
    """Open ``resource`` to a user id or group; returns ``False`` when it already was."""
    key = _grant_key(resource_kind, resource, grantee_kind, grantee)
    if conn.execute(select(access_grants.c.resource).where(key)).first():
        return False
    conn.execute(
        insert(access_grants).values(
            resource_kind=str(resource_kind),
            resource=resource,
            grantee_kind=str(grantee_kind),
            grantee=grantee,
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


def granted(conn: Connection, *, user_id: str, kind: ResourceKind) -> set[str]:
    """Resources of ``kind`` granted to the user directly or through a group."""
    groups = select(group_members.c.group_name).where(group_members.c.user_id == user_id)
    rows = conn.execute(
        select(access_grants.c.resource).where(
            access_grants.c.resource_kind == str(kind),
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
    names = granted(conn, user_id=user_id, kind=ResourceKind.dataset)
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


def ensure_datasets(conn: Connection, names: Iterable[str], *, classification: str) -> None:
    """Register each of ``names`` that is not registered yet (ingest calls this)."""
    known = set(conn.execute(select(datasets.c.name)).scalars())
    for name in sorted(set(names) - known):
        register_dataset(conn, name=name, classification=classification)
