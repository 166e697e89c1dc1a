"""Local accounts: create, list, roles, passwords, and the first administrator."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from pasienis.security.errors import PasswordRejectedError, UnknownUserError, UserExistsError
from pasienis.security.identifiers import clean_identifier, normal_identifier
from pasienis.security.models import api_tokens, sessions, user_roles, users
from pasienis.security.passwords import (
    check_policy,
    generate_password,
    hash_password,
    verify_password,
)
from pasienis.security.principals import Clearance, Role


@dataclass(frozen=True)
class UserInfo:
    """An account as administrators see it (never the hash)."""

    id: str
    name: str
    display_name: str | None
    roles: tuple[Role, ...]
    clearance: Clearance
    disabled: bool
    created_at: datetime


def now() -> datetime:
    """The current UTC time (one place, so every module agrees on aware UTC)."""
    return datetime.now(UTC)


def create_user(
    conn: Connection,
    *,
    name: str,
    roles: Iterable[Role],
    password: str | None = None,
    clearance: Clearance = Clearance.restricted,
    display_name: str | None = None,
) -> UserInfo:
    """Create an account; ``password=None`` makes one only OIDC (or a token) can sign in to."""
    name = clean_identifier(name, what="account name", max_length=128)
    if conn.execute(select(users.c.id).where(users.c.name == name)).first():
        raise UserExistsError(f"an account named {name!r} exists already")
    user_id = uuid.uuid4().hex
    conn.execute(
        insert(users).values(
            id=user_id,
            name=name,
            display_name=display_name,
            password_hash=hash_password(password) if password else None,
            clearance=str(clearance),
            disabled=False,
            created_at=now(),
            password_changed_at=now() if password else None,
        )
    )
    set_roles(conn, user_id=user_id, roles=roles)
    return get_user(conn, name=name)


def set_roles(conn: Connection, *, user_id: str, roles: Iterable[Role]) -> None:
    """Replace an account's roles."""
    conn.execute(delete(user_roles).where(user_roles.c.user_id == user_id))
    wanted = sorted({Role(r) for r in roles})
    if wanted:
        conn.execute(insert(user_roles), [{"user_id": user_id, "role": str(r)} for r in wanted])


def user_row(conn: Connection, *, name: str) -> Any:
    """The raw account row (with its hash) or :class:`UnknownUserError`."""
    row = conn.execute(select(users).where(users.c.name == normal_identifier(name))).first()
    if row is None:
        raise UnknownUserError(f"no account named {name!r}", hint="pasienis users list")
    return row


def roles_of(conn: Connection, user_id: str) -> frozenset[Role]:
    """The roles an account holds (unknown role strings are ignored, not trusted)."""
    found = conn.execute(select(user_roles.c.role).where(user_roles.c.user_id == user_id))
    return frozenset(Role(r) for r in found.scalars() if r in Role.__members__)


def get_user(conn: Connection, *, name: str) -> UserInfo:
    """One account by name."""
    return _info(conn, user_row(conn, name=name))


def list_users(conn: Connection) -> list[UserInfo]:
    """Every account, by name."""
    return [_info(conn, row) for row in conn.execute(select(users).order_by(users.c.name))]


def _info(conn: Connection, row: Any) -> UserInfo:
    return UserInfo(
        id=row.id,
        name=row.name,
        display_name=row.display_name,
        roles=tuple(sorted(roles_of(conn, row.id))),
        clearance=Clearance(row.clearance),
        disabled=row.disabled,
        created_at=row.created_at,
    )


def set_password(conn: Connection, *, user_id: str, password: str) -> None:
    """Store a new hash and end every session and API token of the account.

    Tokens end too: a password change is what someone does who fears their account is known
    to others, and a token issued to the account is as good as its password.
    """
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=hash_password(password), password_changed_at=now())
    )
    for table in (sessions, api_tokens):
        conn.execute(
            update(table)
            .where(table.c.user_id == user_id, table.c.revoked_at.is_(None))
            .values(revoked_at=now())
        )


def change_password(
    conn: Connection, *, user_id: str, current: str, new: str, min_length: int
) -> None:
    """A user changes their own password: the current one must match."""
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None or not verify_password(row.password_hash, current):
        raise PasswordRejectedError("the current password is wrong")
    if current == new:
        raise PasswordRejectedError("the new password must differ from the current one")
    check_policy(new, min_length=min_length, name=row.name)
    set_password(conn, user_id=user_id, password=new)


def set_disabled(conn: Connection, *, user_id: str, disabled: bool) -> None:
    """Disable (or re-enable) an account; disabling revokes its sessions and tokens."""
    conn.execute(update(users).where(users.c.id == user_id).values(disabled=disabled))
    if disabled:
        for table in (sessions, api_tokens):
            conn.execute(
                update(table)
                .where(table.c.user_id == user_id, table.c.revoked_at.is_(None))
                .values(revoked_at=now())
            )


def bootstrap_admin(conn: Connection, *, name: str = "admin") -> str | None:
    """Create ``name`` as administrator with a random password if no administrator exists.

    Returns:
        The generated password (to print once), or ``None`` when an administrator exists.
    """
    exists = conn.execute(
        select(user_roles.c.user_id).where(user_roles.c.role == str(Role.administrator))
    ).first()
    if exists:
        return None
    password = generate_password()
    create_user(conn, name=name, roles=[Role.administrator], password=password)
    return password
