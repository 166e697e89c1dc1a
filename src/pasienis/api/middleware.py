"""Web hardening around every request: CSRF, body limit, security headers, strict CORS.

Pure ASGI middleware (not ``BaseHTTPMiddleware``) so streaming responses and WebSockets pass
through untouched. :func:`install_security` is called last in ``create_app`` and refuses to
build an app with a route that declares neither ``require`` nor ``public``.
"""

from __future__ import annotations

import hmac
from http.cookies import CookieError, SimpleCookie

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pasienis.api.deps import unguarded_routes
from pasienis.api.problems import problem
from pasienis.config import Settings
from pasienis.errors import ConfigurationError
from pasienis.security import LockedOutError, UnauthenticatedError

CSRF_COOKIE = "pasienis_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_EXEMPT = frozenset({"/api/auth/login"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self' wss: ws:; worker-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's /docs page loads Swagger UI from a CDN; it gets its own, looser policy.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com; frame-ancestors 'none'"
)


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add the hardening middleware and error answers; check every route declares access."""
    bad = unguarded_routes(app)
    if bad:
        raise ConfigurationError(
            "routes without require()/public(): " + "; ".join(bad),
            hint="add Depends(require(Role...)) or Depends(public('why')) to each",
        )
    _install_error_answers(app)
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "X-Purpose"],
        )
    app.add_middleware(CsrfMiddleware, session_cookie=settings.session_cookie_name)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)


def _install_error_answers(app: FastAPI) -> None:
    @app.exception_handler(UnauthenticatedError)
    async def _unauthenticated(_request: Request, exc: UnauthenticatedError) -> JSONResponse:
        response = problem(exc.status_code, exc.message, exc.kind, hint=exc.hint)
        response.headers["WWW-Authenticate"] = 'Bearer realm="pasienis"'
        return response

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> JSONResponse:
        # Starlette answers unhandled errors outside every middleware: add the headers here.
        # (It re-raises the error afterwards, so the server still logs the traceback.)
        response = problem(500, "internal server error", "internal")
        for key, value in security_headers(request.scope):
            response.headers[key.decode()] = value.decode()
        return response

    @app.exception_handler(LockedOutError)
    async def _locked(_request: Request, exc: LockedOutError) -> JSONResponse:
        response = problem(exc.status_code, exc.message, exc.kind, hint=exc.hint)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cookie(headers: dict[str, str], name: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except CookieError:  # a malformed Cookie header means "no cookie", not a 500
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


async def _send_problem(send: Send, status: int, title: str, kind: str) -> None:
    response = problem(status, title, kind)
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:  # pragma: no cover - responses never read the body
    return {"type": "http.disconnect"}


class CsrfMiddleware:
    """Double-submit CSRF check for cookie-authenticated unsafe requests.

    A request that carries the session cookie and no ``Authorization`` header must send the
    ``X-CSRF-Token`` header equal to the ``pasienis_csrf`` cookie. A cross-site page can make
    the browser send cookies but can neither read the CSRF cookie nor set the header.
    Bearer-token clients are exempt: a browser never attaches those by itself.
    """

    def __init__(self, app: ASGIApp, *, session_cookie: str) -> None:
        self.app = app
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        unsafe = scope["type"] == "http" and scope["method"] not in SAFE_METHODS
        # Signing in does not act on the existing session (SameSite=Strict covers login CSRF).
        if unsafe and scope.get("path") not in CSRF_EXEMPT:
            headers = _headers(scope)
            if _cookie(headers, self.session_cookie) and "authorization" not in headers:
                expected = _cookie(headers, CSRF_COOKIE) or ""
                given = headers.get(CSRF_HEADER, "")
                if not expected or not hmac.compare_digest(expected, given):
                    await _send_problem(send, 403, "missing or wrong CSRF token", "csrf")
                    return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` (413), by header and while streaming."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _headers(scope).get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            await _send_problem(send, 413, "request body too large", "too-large")
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLargeError
            return message

        try:
            await self.app(scope, limited, send)
        except BodyTooLargeError:
            await _send_problem(send, 413, "request body too large", "too-large")


class BodyTooLargeError(Exception):
    """Raised inside the app when a streamed body passes the limit."""


class SecurityHeadersMiddleware:
    """CSP, no sniffing, no framing, no referrer leaks; HSTS when served over HTTPS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def security_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    """The hardening headers of every HTTP answer to ``scope`` (errors included)."""
    path = scope.get("path", "")
    csp = DOCS_CSP if path.startswith(("/docs", "/redoc")) else CSP
    extra = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if path.startswith("/api/"):  # personal data must not linger in shared or browser caches
        extra.append((b"cache-control", b"no-store"))
    if scope.get("scheme") == "https":
        extra.append((b"strict-transport-security", b"max-age=63072000"))
    return extra
