"""Access control every route is born with: ``require``, ``public``, the ``Auditor``.

Every route in the app declares exactly one of:

- ``Depends(require(Role.analyst, ...))`` — yields the authenticated :class:`Principal`;
  401 (problem+json, ``WWW-Authenticate``) without valid credentials, 403 when the principal
  holds none of the roles. Roles are explicit: administrator does not imply analyst.
- ``Depends(public("why this is open"))`` — intentionally open (health, login).

``tests/api/test_route_authorization.py`` walks ``app.routes`` and fails on any route with
neither (or both), and :func:`pasienis.api.middleware.install_security` refuses to build an
app with such a route. Typical use::

    @router.get("/{entity_id}")
    def entity(
        entity_id: str,
        principal: Annotated[Principal, Depends(require(Role.analyst))],
        audit: AuditorDep,
    ) -> dict:
        with store.read() as conn:
            ent = load_entity(conn, entity_id, datasets=visible_datasets(principal))
        audit.record("entity.read", entity_ids=[entity_id])
        return ent.to_dict()

Credentials accepted: a session cookie (browser; CSRF double-submit is enforced by the
middleware for unsafe methods), ``Authorization: Bearer <token>`` (API clients and
devices), and — only on routes that allow :attr:`Role.device` — HTTP Basic
(``name:token``, OwnTracks) or a ``?token=`` query parameter (Traccar Client / OsmAnd).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends
from fastapi.routing import RouteContext, iter_route_contexts
from starlette.requests import HTTPConnection
from starlette.routing import Mount

from pasienis.security import (
    Credentials,
    ForbiddenError,
    Principal,
    PrincipalKind,
    PurposeRequiredError,
    Role,
    UnauthenticatedError,
    authenticate,
    visible_datasets,
    writable_datasets,
)
from pasienis.security.audit import AuditEntry, append_entry

__all__ = [
    "Access",
    "Auditor",
    "AuditorDep",
    "Principal",
    "PrincipalKind",
    "Role",
    "access_of",
    "all_routes",
    "audit_read",
    "auditor",
    "authenticate_with",
    "basic_credentials",
    "bearer_token",
    "client_ip",
    "public",
    "require",
    "visible_datasets",
    "writable_datasets",
]

#: Attribute set on the dependency callables so the route walk can find them.
ACCESS_ATTR = "__pasienis_access__"
#: Request-state attribute: the ``require`` dependency that already ran before the body was
#: read (:mod:`pasienis.api.authfirst`), so it does not authenticate twice.
PREAUTHENTICATED = "pasienis_preauthenticated"
#: Header (or ``purpose`` query parameter) carrying the stated purpose of a consultation.
PURPOSE_HEADER = "X-Purpose"
#: Methods whose audited actions are reads (a WebSocket's snapshot is one too).
READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Access:
    """What a route declared: ``require`` with its roles, or ``public`` with its reason."""

    mode: Literal["require", "public"]
    roles: frozenset[Role] = frozenset()
    reason: str = ""


def require(*roles: Role) -> Callable[[HTTPConnection], Principal]:
    """A dependency that authenticates the caller and checks it holds one of ``roles``.

    Args:
        *roles: At least one role; the principal needs any one of them.

    Returns:
        A FastAPI dependency yielding the :class:`Principal` (also stored on
        ``request.state.principal`` for the :class:`Auditor`).
    """
    if not roles:
        raise ValueError("require() needs at least one role; use public() for open routes")
    allowed = frozenset(Role(r) for r in roles)

    def dependency(request: HTTPConnection) -> Principal:
        principal = None
        if getattr(request.state, PREAUTHENTICATED, None) is dependency:
            principal = getattr(request.state, "principal", None)
        if principal is None:
            principal = _authenticate(request, allow_device=Role.device in allowed)
        if principal is None:
            raise UnauthenticatedError("authentication required", hint="sign in or send a token")
        request.state.principal = principal
        if not principal.has(*allowed):
            raise ForbiddenError(
                f"this needs one of the roles: {', '.join(sorted(allowed))}",
                hint="ask an administrator for the role",
            )
        return principal

    setattr(dependency, ACCESS_ATTR, Access("require", roles=allowed))
    dependency.__name__ = "require_" + "_or_".join(sorted(allowed))
    return dependency


def public(reason: str) -> Callable[[], Awaitable[None]]:
    """A dependency marking a route as intentionally open; ``reason`` says why.

    Args:
        reason: Why this route needs no authentication (kept for reviewers and the route walk).
    """
    if not reason.strip():
        raise ValueError("public() needs a reason")

    # async: FastAPI runs a sync dependency in its thread pool, a hop that costs more than
    # a whole position request does without it.
    async def dependency() -> None:
        return None

    setattr(dependency, ACCESS_ATTR, Access("public", reason=reason))
    dependency.__name__ = "public_route"
    return dependency


def access_of(dependency: object) -> Access | None:
    """The :class:`Access` a dependency callable declares, if it is one of ours."""
    found = getattr(dependency, ACCESS_ATTR, None)
    return found if isinstance(found, Access) else None


def client_ip(request: HTTPConnection) -> str:
    """The peer address (proxies must be configured in uvicorn's ``--forwarded-allow-ips``)."""
    return request.client.host if request.client else "unknown"


class Auditor:
    """Writes audit entries for one request: who, when, what, from where, and why.

    Appending is synchronous and fails closed: when the audit entry cannot be written the
    route fails and the data is not returned. With ``audit_require_purpose`` set, a read by
    an analyst without a stated purpose is refused (:class:`PurposeRequiredError`, 400) and
    the refusal is logged instead — checked when the dependency is resolved (before the
    route reads anything) and again for every read entry.
    """

    def __init__(self, request: HTTPConnection) -> None:
        self._request = request

    def _is_read(self, read: bool | None) -> bool:
        if read is not None:
            return read
        req = self._request
        return req.scope.get("type") == "websocket" or req.scope.get("method") in READ_METHODS

    def check_purpose(self, action: str = "read.refused", *, read: bool | None = None) -> None:
        """Refuse (and log) a read without a stated purpose when the deployment requires one.

        Applies to principals holding :attr:`Role.analyst`; routes that read with POST call
        it with ``read=True``.
        """
        req = self._request
        settings = getattr(req.app.state, "settings", None)
        if not getattr(settings, "audit_require_purpose", False) or self.purpose:
            return
        who = getattr(req.state, "principal", None)
        if who is None or not who.has(Role.analyst) or not self._is_read(read):
            return
        detail = {"reason": "no purpose stated", "path": req.url.path}
        self._append(action, outcome="denied", detail=detail)
        raise PurposeRequiredError(
            "this deployment requires a stated purpose for reading personal data",
            hint=f"send the {PURPOSE_HEADER} header (or a purpose query parameter)",
        )

    @property
    def purpose(self) -> str | None:
        """The stated purpose: ``X-Purpose`` header, else the ``purpose`` query parameter."""
        req = self._request
        value = req.headers.get(PURPOSE_HEADER) or req.query_params.get("purpose")
        return value.strip()[:500] if value and value.strip() else None

    def record(
        self,
        action: str,
        *,
        entity_ids: Sequence[str] = (),
        query: str | Mapping[str, Any] | None = None,
        detail: Mapping[str, Any] | None = None,
        outcome: str = "ok",
        actor: Principal | None = None,
        actor_name: str | None = None,
        read: bool | None = None,
    ) -> int:
        """Append one entry to the hash-chained audit log and return its sequence number.

        Args:
            action: Dotted verb, e.g. ``entity.read``, ``entity.export``, ``search``,
                ``graph.query``, ``resolve.merge``, ``task.assign``, ``user.create``.
            entity_ids: Entities the action touched (as asked for, canonical ids welcome).
            query: The search text or parameters, when the action is a query.
            detail: Anything else worth keeping (counts, role changes); JSON-serialisable.
            outcome: ``ok``, ``denied``, ``failed``.
            actor: Defaults to the principal authenticated for this request.
            actor_name: For unauthenticated events (a failed login) the name attempted.
            read: Whether the action reads data (default: a GET/HEAD request or a
                WebSocket); reads may need a stated purpose (:meth:`check_purpose`).
        """
        self.check_purpose(action, read=read)
        return self._append(
            action, entity_ids=entity_ids, query=query, detail=detail, outcome=outcome,
            actor=actor, actor_name=actor_name,
        )  # fmt: skip

    def _append(
        self,
        action: str,
        *,
        entity_ids: Sequence[str] = (),
        query: str | Mapping[str, Any] | None = None,
        detail: Mapping[str, Any] | None = None,
        outcome: str = "ok",
        actor: Principal | None = None,
        actor_name: str | None = None,
    ) -> int:
        req = self._request
        who = actor or getattr(req.state, "principal", None)
        entry = AuditEntry(
            actor_id=who.user_id if who else None,
            actor_name=who.name if who else actor_name,
            actor_kind=str(who.kind) if who else None,
            action=action,
            entity_ids=tuple(entity_ids),
            query=query,
            detail=dict(detail or {}),
            purpose=self.purpose,
            ip=client_ip(req),
            user_agent=(req.headers.get("user-agent") or "")[:300] or None,
            outcome=outcome,
        )
        return append_entry(req.app.state.store, entry)


def auditor(request: HTTPConnection) -> Auditor:
    """FastAPI dependency: the :class:`Auditor` for this request.

    When the principal is already known (its ``require`` dependency comes first in the
    route's signature) a read without a required purpose is refused here, before the route
    reads anything.
    """
    found = Auditor(request)
    found.check_purpose()
    return found


#: Annotated shorthand: ``audit: AuditorDep`` in a route's parameters.
AuditorDep = Annotated[Auditor, Depends(auditor)]


def audit_read(
    request: HTTPConnection,
    action: str,
    *,
    entity_ids: Sequence[str] = (),
    query: str | Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
    read: bool | None = None,
) -> int:
    """Log a read of personal data (profile, search, export, graph) with its purpose."""
    return Auditor(request).record(
        action, entity_ids=entity_ids, query=query, detail=detail, read=read
    )


def _authenticate(request: HTTPConnection, *, allow_device: bool) -> Principal | None:
    """One credential per request: an ``Authorization`` header, whatever it holds, is the
    credential, and the session cookie then counts for nothing (a junk header never lets a
    cookie through unchecked)."""
    authorization = "authorization" in request.headers
    cookie = request.cookies.get(request.app.state.settings.session_cookie_name)
    creds = Credentials(
        bearer=bearer_token(request),
        session=None if authorization else cookie,
        basic=basic_credentials(request) if allow_device else None,
        query_token=request.query_params.get("token") if allow_device else None,
    )
    if creds.empty:
        return None
    return authenticate_with(request, creds)


def authenticate_with(connection: HTTPConnection, creds: Credentials) -> Principal | None:
    """:func:`pasienis.security.authenticate` for a request or WebSocket of this app, through
    the app's principal cache (one read of the security epoch when nothing changed)."""
    state = connection.app.state
    return authenticate(
        state.store, state.settings, creds, cache=getattr(state, "principals", None)
    )


def bearer_token(request: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def basic_credentials(request: HTTPConnection) -> tuple[str, str] | None:
    """(name, secret) of an ``Authorization: Basic`` header, if well formed."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        name, sep, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (name, secret) if sep else None


#: FastAPI's own documentation routes: they describe the API and hold no data.
DOC_ROUTES = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


def route_access(route: object) -> list[Access]:
    """Every :class:`Access` declared in a route's dependency tree (router-level included)."""
    dependant = getattr(route, "dependant", None)
    found: list[Access] = []
    stack = list(dependant.dependencies) if dependant is not None else []
    while stack:
        dep = stack.pop()
        access = access_of(dep.call)
        if access is not None:
            found.append(access)
        stack.extend(dep.dependencies)
    return found


def all_routes(app: object) -> list[RouteContext]:
    """Every route of ``app`` with its effective path and dependencies (included routers
    flattened), as FastAPI itself sees them when it builds the OpenAPI document."""
    return list(iter_route_contexts(getattr(app, "routes", [])))


def unguarded_routes(app: object) -> list[str]:
    """Routes declaring neither or both of ``require``/``public`` (``METHOD path`` strings).

    Static mounts (the web apps' files) and FastAPI's documentation routes are not data and
    are not listed; any other plain Starlette route is, because it cannot declare access.
    """
    bad: list[str] = []
    for route in all_routes(app):
        path = getattr(route, "path", None) or "?"
        if isinstance(route.original_route, Mount) or path in DOC_ROUTES:
            continue
        modes = {a.mode for a in route_access(route)}
        if len(modes) != 1:
            methods = ",".join(sorted(getattr(route, "methods", None) or {"WS"}))
            bad.append(f"{methods} {path}: declares {sorted(modes) or 'nothing'}")
    return bad
