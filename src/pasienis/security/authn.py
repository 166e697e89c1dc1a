"""From credentials to a :class:`Principal`: sessions, bearer tokens, device credentials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from pasienis.config import Settings
from pasienis.security.compartments import (
    visible_case_ids,
    visible_dataset_names,
    writable_dataset_names,
)
from pasienis.security.credentials import (
    Issued,
    create_session,
    credential_key,
    session_state,
    token_max_age,
    token_state,
)
from pasienis.security.errors import UnauthenticatedError
from pasienis.security.models import users
from pasienis.security.passwords import verify_password
from pasienis.security.principal_cache import CachedPrincipal, PrincipalCache
from pasienis.security.principals import Clearance, Principal, PrincipalKind, Role
from pasienis.security.throttle import mark_success, reserve_attempt
from pasienis.security.users import now, roles_of
from pasienis.store import Store


@dataclass(frozen=True)
class Credentials:
    """What a request presented. ``basic``/``query_token`` are only filled for device routes."""

    bearer: str | None = None
    session: str | None = None
    basic: tuple[str, str] | None = None
    query_token: str | None = None

    @property
    def empty(self) -> bool:
        """Whether nothing was presented at all."""
        return not (self.bearer or self.session or self.basic or self.query_token)


def authenticate(
    store: Store, settings: Settings, creds: Credentials, cache: PrincipalCache | None = None
) -> Principal | None:
    """The principal for ``creds``, or ``None`` when none of them is valid.

    A bearer token wins over a session cookie (API clients never need CSRF tokens); device
    credentials (HTTP Basic ``name:token``, ``?token=``) resolve only to device accounts.
    With a ``cache``, a principal folded earlier is used while the security epoch stands
    (:mod:`pasienis.security.principal_cache`): one read instead of seven; expiry is judged
    at every call either way.
    """
    max_age = token_max_age(settings.api_token_ttl_days)
    with store.read() as conn:
        epoch = cache.epoch(store, conn) if cache is not None else None
        lookup = _Lookup(conn, cache, epoch)
        if creds.bearer:
            return lookup.principal("token", creds.bearer, max_age)
        if creds.session:
            return lookup.principal("session", creds.session, None)
        secret = creds.basic[1] if creds.basic else creds.query_token
        principal = lookup.principal("device", secret or "", max_age)
    if principal is None or not principal.has(Role.device):
        return None
    if creds.basic and creds.basic[0] != principal.name:
        return None
    return principal


#: How each kind of credential is read and what kind of principal it makes.
_KINDS = {
    "token": (token_state, PrincipalKind.token),
    "session": (session_state, PrincipalKind.user),
    "device": (token_state, PrincipalKind.device),
}


@dataclass
class _Lookup:
    """One authentication's reads: through the cache when there is one and it is current."""

    conn: Connection
    cache: PrincipalCache | None
    epoch: int | None

    def principal(self, kind: str, secret: str, max_age: timedelta | None) -> Principal | None:
        key = credential_key(secret)
        if key is None:
            return None
        at = now()
        entry = self.cache.get((kind, key), self.epoch) if self.cache is not None else None
        if entry is None:
            entry = self._fold(kind, secret, max_age, at)
        # Never cached: whether the credential has expired by now.
        live = entry is not None and entry.state.live(max_age=max_age, at=at)
        return entry.principal if live else None

    def _fold(
        self, kind: str, secret: str, max_age: timedelta | None, at: datetime
    ) -> CachedPrincipal | None:
        """Read the credential and fold its principal (kept only when the cache is current
        and the credential is live)."""
        read_state, principal_kind = _KINDS[kind]
        state = read_state(self.conn, secret)
        if state is None or not state.live(max_age=max_age, at=at):
            return None
        principal = _principal(self.conn, (state.user_id, state.id), principal_kind)
        if principal is None:
            return None
        entry = CachedPrincipal(epoch=self.epoch or 0, principal=principal, state=state)
        if self.cache is not None and self.epoch is not None:
            self.cache.put((kind, state.id), entry)
        return entry


def _principal(conn: Connection, found: tuple[str, str], kind: PrincipalKind) -> Principal | None:
    user_id, credential_id = found
    row = conn.execute(
        select(users.c.name, users.c.clearance, users.c.disabled).where(users.c.id == user_id)
    ).first()
    if row is None or row.disabled:
        return None
    roles = roles_of(conn, user_id)
    clearance = Clearance(row.clearance)
    if kind is PrincipalKind.token and roles == {Role.device}:
        kind = PrincipalKind.device
    return Principal(
        user_id=user_id,
        name=row.name,
        roles=roles,
        kind=kind,
        datasets=visible_dataset_names(conn, user_id=user_id, clearance=clearance),
        writable=writable_dataset_names(conn, user_id=user_id, clearance=clearance),
        compartments=visible_case_ids(conn, user_id=user_id),
        credential_id=credential_id,
    )


def principal_for_user(conn: Connection, user_id: str, kind: PrincipalKind) -> Principal:
    """The principal of an account (for a session just issued, the CLI, tests)."""
    principal = _principal(conn, (user_id, ""), kind)
    if principal is None:
        raise UnauthenticatedError("the account is disabled or gone")
    return principal


def password_login(
    store: Store,
    settings: Settings,
    *,
    name: str,
    password: str,
    ip: str,
    user_agent: str | None,
) -> tuple[Principal, Issued]:
    """Check a password (after the lock-out check) and start a session.

    The attempt is counted before the password is verified (atomically with the lock-out
    check), and argon2 runs outside any write transaction.

    Raises:
        LockedOutError: too many recent failures for the account or the address.
        UnauthenticatedError: wrong name or password (the same answer for both).
    """
    with store.begin() as conn:
        attempt = reserve_attempt(
            conn,
            account=name,
            ip=ip,
            max_account=settings.login_max_failures_account,
            max_ip=settings.login_max_failures_ip,
            window_minutes=settings.login_window_minutes,
        )
    with store.read() as conn:
        row = conn.execute(select(users).where(users.c.name == name)).first()
    ok = verify_password(row.password_hash if row else None, password)
    if not ok or row is None or row.disabled:
        raise UnauthenticatedError("wrong account name or password")
    with store.begin() as conn:
        mark_success(conn, attempt)
    return start_session(store, settings, user_id=row.id, ip=ip, user_agent=user_agent)


def start_session(
    store: Store, settings: Settings, *, user_id: str, ip: str, user_agent: str | None
) -> tuple[Principal, Issued]:
    """Issue a browser session for an account that has proven who it is."""
    with store.begin() as conn:
        issued = create_session(
            conn,
            user_id=user_id,
            ttl_minutes=settings.session_ttl_minutes,
            ip=ip,
            user_agent=user_agent,
        )
        principal = principal_for_user(conn, user_id, PrincipalKind.user)
    return principal, issued
