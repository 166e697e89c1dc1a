"""Sign-in and sign-out: password, OpenID Connect, sessions; who am I; change password."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from pasienis.api.deps import AuditorDep, Principal, Role, client_ip, public, require
from pasienis.api.middleware import CSRF_COOKIE
from pasienis.api.sockets import credential_subject, user_subject
from pasienis.config import Settings
from pasienis.security import HUMAN_ROLES, LockedOutError, PrincipalKind, UnauthenticatedError, oidc
from pasienis.security.authn import password_login, start_session
from pasienis.security.credentials import Issued, revoke_session
from pasienis.security.schemas import LoginRequest, Me, PasswordChange
from pasienis.security.users import change_password

router = APIRouter(prefix="/api/auth", tags=["auth"])
ANY_ROLE = (*HUMAN_ROLES, Role.device)


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _me(principal: Principal, csrf: str | None = None) -> Me:
    return Me(
        id=principal.user_id,
        name=principal.name,
        roles=sorted(principal.roles),
        kind=str(principal.kind),
        datasets=sorted(principal.datasets),
        writable=sorted(principal.writable),
        csrf_token=csrf,
    )


def _set_session(response: Response, settings: Settings, issued: Issued) -> str:
    """Set the HttpOnly session cookie and the script-readable CSRF cookie; return the token."""
    csrf = secrets.token_urlsafe(32)
    max_age = settings.session_ttl_minutes * 60
    common = {"max_age": max_age, "secure": settings.cookie_secure, "samesite": "strict"}
    response.set_cookie(
        settings.session_cookie_name, issued.secret, httponly=True, path="/", **common
    )
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, path="/", **common)
    return csrf


@router.post("/login", dependencies=[Depends(public("signing in needs no prior credential"))])
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    audit: AuditorDep,
) -> Me:
    """Sign in with name and password; sets the session and CSRF cookies."""
    settings = _settings(request)
    try:
        principal, issued = password_login(
            request.app.state.store,
            settings,
            name=body.name,
            password=body.password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except LockedOutError:
        audit.record("auth.login", outcome="denied", actor_name=body.name)
        raise
    except UnauthenticatedError:
        audit.record("auth.login", outcome="failed", actor_name=body.name)
        raise
    audit.record("auth.login", actor=principal)
    return _me(principal, _set_session(response, settings, issued))


@router.post("/logout", status_code=204)
def logout(
    request: Request,
    principal: Annotated[Principal, Depends(require(*HUMAN_ROLES))],
    audit: AuditorDep,
) -> Response:
    """End this browser session (bearer tokens are revoked by an administrator)."""
    settings = _settings(request)
    if principal.kind is PrincipalKind.user and principal.credential_id:
        with request.app.state.store.begin() as conn:
            revoke_session(conn, principal.credential_id)
        request.app.state.sockets.revoke(credential_subject(principal.credential_id))
    audit.record("auth.logout")
    response = Response(status_code=204)
    response.delete_cookie(settings.session_cookie_name, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/me")
def me(principal: Annotated[Principal, Depends(require(*ANY_ROLE))]) -> Me:
    """The caller's account, roles and visible datasets."""
    return _me(principal)


@router.post("/password", status_code=204)
def password(
    body: PasswordChange,
    request: Request,
    principal: Annotated[Principal, Depends(require(*HUMAN_ROLES))],
    audit: AuditorDep,
) -> Response:
    """Change one's own password; every session and API token ends, a browser session is renewed."""
    settings = _settings(request)
    store = request.app.state.store
    with store.begin() as conn:
        change_password(
            conn,
            user_id=principal.user_id,
            current=body.current,
            new=body.new,
            min_length=settings.password_min_length,
        )
    # Every session and token of the account ended: so do its open sockets.
    request.app.state.sockets.revoke(user_subject(principal.user_id))
    audit.record("auth.password")
    response = Response(status_code=204)
    if principal.kind is PrincipalKind.user:
        _, issued = start_session(
            store,
            settings,
            user_id=principal.user_id,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
        _set_session(response, settings, issued)
    return response


@router.get(
    "/oidc/login",
    response_class=RedirectResponse,
    status_code=302,
    dependencies=[Depends(public("starts single sign-on; no credential exists yet"))],
)
def oidc_login(request: Request) -> RedirectResponse:
    """Redirect to the OpenID provider (authorization code + PKCE)."""
    url = oidc.begin(request.app.state.store, _settings(request))
    return RedirectResponse(url, status_code=302)


@router.get(
    "/oidc/callback",
    response_class=RedirectResponse,
    status_code=303,
    dependencies=[Depends(public("the OpenID provider returns the browser here"))],
)
def oidc_callback(
    request: Request,
    code: Annotated[str, Query(min_length=1, max_length=2048)],
    state: Annotated[str, Query(min_length=1, max_length=128)],
    audit: AuditorDep,
) -> RedirectResponse:
    """Finish single sign-on: verify the ID token, start a session, go to the app."""
    settings = _settings(request)
    store = request.app.state.store
    try:
        user_id = oidc.complete(store, settings, code=code, state=state)
    except Exception:
        audit.record("auth.oidc", outcome="failed")
        raise
    principal, issued = start_session(
        store,
        settings,
        user_id=user_id,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    audit.record("auth.oidc", actor=principal)
    response = RedirectResponse("/", status_code=303)
    _set_session(response, settings, issued)
    return response
