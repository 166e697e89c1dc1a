"""Web hardening around every request: CSRF, origin checks, authentication before the body,
body limit, security headers, strict CORS.

Pure ASGI middleware (not ``BaseHTTPMiddleware``) so streaming responses and WebSockets pass
through untouched. :func:`install_security` is called last in ``create_app`` and refuses to
build an app with a route that declares neither ``require`` nor ``public``.
"""

from __future__ import annotations

import functools
import hmac
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pasienis.api.authfirst import AuthenticateFirstMiddleware
from pasienis.api.deps import unguarded_routes
from pasienis.api.origins import from_trusted_page
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
    # Outermost last: headers → body limit → CSRF/origin → authentication → (CORS) → app.
    app.add_middleware(AuthenticateFirstMiddleware)
    app.add_middleware(CsrfMiddleware, settings=settings)
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
    """Double-submit CSRF and origin checks for cookie-carrying unsafe requests.

    A request that carries the session cookie must send the ``X-CSRF-Token`` header equal to
    the ``pasienis_csrf`` cookie — whatever other headers it has (an ``Authorization`` header
    never exempts it: the cookie is what a cross-site page can make the browser send). Its
    ``Origin`` (or, without one, ``Sec-Fetch-Site``) must be the server's own or a trusted
    origin (:mod:`pasienis.api.origins`). Sign-in has no session yet, so it needs no token,
    but its origin is checked too (login CSRF). Requests without the cookie (bearer clients)
    are not checked here.
    """

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        unsafe = scope["type"] == "http" and scope["method"] not in SAFE_METHODS
        refusal = self._refusal(_headers(scope), scope.get("path")) if unsafe else None
        if refusal is not None:
            await _send_problem(send, 403, refusal, "csrf")
            return
        await self.app(scope, receive, send)

    def _refusal(self, headers: dict[str, str], path: str | None) -> str | None:
        exempt = path in CSRF_EXEMPT
        if not exempt and not _cookie(headers, self.settings.session_cookie_name):
            return None
        if not from_trusted_page(headers, self.settings):
            return "cross-origin request refused"
        if exempt:
            return None
        expected = _cookie(headers, CSRF_COOKIE) or ""
        given = headers.get(CSRF_HEADER, "")
        if not expected or not hmac.compare_digest(expected, given):
            return "missing or wrong CSRF token"
        return None


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
        seen, over, started = 0, False, False

        async def limited() -> Message:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                over = True
                raise BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            # FastAPI turns any error while reading a body into its own 400; once the limit
            # was passed, the answer is 413 whatever the app made of it.
            nonlocal started
            if over:
                if not started:
                    started = True
                    await _send_problem(send, 413, "request body too large", "too-large")
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, guarded_send)
        except BodyTooLargeError:
            if not started:
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


@functools.lru_cache(maxsize=8)
def app_csp(tile_url: str | None) -> str:
    """The apps' policy; a configured base-map tile server's origin may serve images."""
    if not tile_url:
        return CSP
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return CSP  # a relative or odd template: same origin only, nothing widened
    host = parts.netloc.replace("{s}", "*")  # Leaflet's subdomain placeholder: a wildcard
    origin = f"{parts.scheme}://{host}".replace(";", "").replace(" ", "")
    return CSP.replace("img-src 'self' data: blob:", f"img-src 'self' data: blob: {origin}")


def security_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    """The hardening headers of every HTTP answer to ``scope`` (errors included)."""
    path = scope.get("path", "")
    settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
    tiles = getattr(settings, "map_tile_url", None)
    csp = DOCS_CSP if path.startswith(("/docs", "/redoc")) else app_csp(tiles)
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
