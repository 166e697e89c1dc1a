"""Authenticate before the body is read.

FastAPI reads and parses a route's body (JSON, forms, uploads) *before* it runs the route's
dependencies, so ``Depends(require(...))`` alone lets an anonymous client push a 45 MB upload
to ``/api/imports`` before it hears 401. This middleware finds the route a request is for,
runs that route's own ``require`` dependency (the one definition of who may call it) on the
headers alone, and answers 401/403 without touching the body. The principal it found is kept
on the request, so the dependency does not authenticate a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette._utils import get_route_path
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from pasienis.api.deps import PREAUTHENTICATED, access_of, all_routes, guard_check
from pasienis.api.problems import problem
from pasienis.api.routeindex import Buckets, route_key
from pasienis.security import ForbiddenError, UnauthenticatedError

Guard = Callable[[Request], Any]


def route_guard(route: object) -> tuple[Any, Guard] | None:
    """The ``require`` dependency of a route and its synchronous check (``None`` for public
    routes)."""
    dependant = getattr(route, "dependant", None)
    stack = list(dependant.dependencies) if dependant is not None else []
    while stack:
        dep = stack.pop()
        access = access_of(dep.call)
        check = guard_check(dep.call)
        if access is not None and access.mode == "require" and check is not None:
            return dep.call, check
        stack.extend(dep.dependencies)
    return None


def literal_prefix(ctx: object) -> str:
    """The part of a route's path before its first parameter (``""``: could match anything).

    A request path that does not start with it cannot match the route, so the costly
    ``route.matches`` (FastAPI's, with its scope bookkeeping) runs only for the few routes
    that could — on a position ingest request that is none, instead of every guarded route.
    """
    path = getattr(ctx, "path", None)
    if not isinstance(path, str):
        return ""
    return path.split("{", 1)[0]


class AuthenticateFirstMiddleware:
    """Run the matched route's ``require`` check before the app sees the request body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._guards: Buckets[tuple[str, Any, tuple[Any, Guard]]] | None = None

    def _guard_for(self, scope: Scope) -> tuple[Any, Guard] | None:
        if self._guards is None:  # built on first use: every route is registered by then
            found = (
                ({route_key(ctx.path)}, (literal_prefix(ctx), ctx.original_route, route_guard(ctx)))
                for ctx in all_routes(scope["app"])
            )
            # Indexed by their leading segments: only the routes that could match are tried.
            self._guards = Buckets((key, entry) for key, entry in found if entry[2] is not None)
        path = scope.get("path", "")
        for prefix, route, guard in self._guards.get(get_route_path(scope)):
            if not path.startswith(prefix):
                continue
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return guard
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guard = self._guard_for(scope) if scope["type"] == "http" else None
        if guard is not None:
            dependency, check = guard
            request = Request(scope)
            try:
                await run_in_threadpool(check, request)
            except UnauthenticatedError as exc:
                response = problem(exc.status_code, exc.message, exc.kind, hint=exc.hint)
                response.headers["WWW-Authenticate"] = 'Bearer realm="pasienis"'
                await response(scope, receive, send)
                return
            except ForbiddenError as exc:
                response = problem(exc.status_code, exc.message, exc.kind, hint=exc.hint)
                await response(scope, receive, send)
                return
            setattr(request.state, PREAUTHENTICATED, dependency)
        await self.app(scope, receive, send)
