"""Route matching by path prefix: the app's router, run over the routes that could match.

Starlette matches a request against every route in order until one matches. With ~30
included routers and ~180 routes, FastAPI's matching (a regex and scope bookkeeping per
route, per included router) took ~31% of the event loop's samples (py-spy) on a small
authenticated request, nearly all on routers that cannot match; the index saves 0.1 to 0.3 ms
of server CPU per request (docs/benchmarks.md, session 8).

A route whose path starts with two literal segments (``/api/graph/...``) can only match a
request whose path starts with the same two segments; the trailing-slash redirect's other
spelling of the path has the same two segments too. So the routes are indexed by those two
segments; a route without two literal leading segments (``/``, ``/web``, ``/{anything}``,
a host route) is kept in every bucket. A request is handed to FastAPI's own router code over
its bucket — the same routes in the same order, minus routes that could not have matched —
so matching, 405s, redirects, low-priority routes and 404s behave exactly as before. Routes
added later (tests add some) rebuild the index. Routing state (``scope["router"]``, used by
``url_for``) is the app's whole router, as before.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from typing import Any

from fastapi.routing import APIRouter, iter_route_contexts
from starlette._utils import get_route_path
from starlette.types import Receive, Scope, Send

Key = tuple[str, str]


def path_key(path: str) -> Key | None:
    """The first two segments of a request path (``None``: fewer than two, or empty ones)."""
    parts = path.split("/", 3)
    if len(parts) < 3 or parts[0] or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def route_key(path: object) -> Key | None:
    """The two literal leading segments every path a route matches starts with (``None``:
    the route could match paths starting otherwise, so it belongs to every bucket)."""
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    literal = path.split("{", 1)[0]
    parts = literal.split("/")[1:]
    if "{" in path:  # the segment holding the first parameter is not literal
        parts = parts[:-1]
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1]


class Buckets[T]:
    """Items per :func:`path_key` bucket, in their order; an item with a ``None`` key could
    match any path, so it is in every bucket (and in the bucket of every other path)."""

    def __init__(self, items: Iterable[tuple[set[Key | None], T]]) -> None:
        listed = list(items)
        keys = {k for found, _ in listed for k in found if k is not None}
        self.everywhere: list[T] = [item for found, item in listed if None in found]
        self.by_key: dict[Key, list[T]] = {
            key: [item for found, item in listed if key in found or None in found] for key in keys
        }

    def get(self, path: str) -> list[T]:
        """The items whose routes could match ``path``."""
        key = path_key(path)
        found = self.by_key.get(key) if key is not None else None
        return self.everywhere if found is None else found


def keys_of(route: object) -> set[Key | None]:
    """Every :func:`route_key` of a top-level route (an included router has many)."""
    keys = {route_key(ctx.path) for ctx in iter_route_contexts([route])}  # type: ignore[list-item]
    low_priority = getattr(route, "effective_low_priority_routes", None)
    if low_priority is not None and low_priority():
        keys.add(None)  # frontend routes are matched after the rest: keep them everywhere
    return keys or {None}


#: FastAPI's per-router counter of route changes (added routes, included routers).
VERSION_ATTR = "_routes_version"


def routers_under(router: object) -> list[object]:
    """``router`` and every router included in it, at any depth (each once)."""
    found: dict[int, object] = {}
    stack = [router]
    while stack:
        current = stack.pop()
        if id(current) in found:
            continue
        found[id(current)] = current
        for route in getattr(current, "routes", ()):
            inner = getattr(route, "original_router", None)  # FastAPI's included router
            if inner is not None:
                stack.append(inner)
    return list(found.values())


class IndexedRouting:
    """The router's ASGI entry (its ``middleware_stack``), dispatching through the index."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self._lock = threading.Lock()
        self._routers: list[object] = []
        self._built_for: tuple[int, int, int] | None = None  # route versions, list, length
        self._index: tuple[dict[Key, APIRouter], APIRouter] | None = None

    def _state(self) -> tuple[int, int, int] | None:
        """What the index was built for: a route added anywhere bumps a router's counter (a
        sum of counters that only grow), one appended to the list directly (Starlette's
        ``mount``) changes its length. ``None``: this FastAPI keeps no counters."""
        try:
            version = sum(map(_version, self._routers))
        except AttributeError:
            return None
        routes = self.router.routes
        return version, id(routes), len(routes)

    def _current(self) -> tuple[dict[Key, APIRouter], APIRouter] | None:
        """The index for the routes as they are now (``None``: match as FastAPI does)."""
        state = self._state()
        if state is None or state != self._built_for:
            with self._lock:
                self._routers = routers_under(self.router)
                state = self._state()
                if state is None:
                    self._routers = [self.router]  # so the next request knows at once
                    return None
                found = Buckets((keys_of(route), route) for route in self.router.routes)
                self._index = (
                    {key: self._subset(chosen) for key, chosen in found.by_key.items()},
                    self._subset(found.everywhere),
                )
                self._built_for = state
        return self._index

    def _subset(self, routes: list[Any]) -> APIRouter:
        """The app's router over ``routes`` (same settings, default, low-priority routes)."""
        subset = copy.copy(self.router)
        subset.routes = routes
        return subset

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        index = self._current() if scope["type"] in ("http", "websocket") else None
        if index is None:
            await self.router.app(scope, receive, send)
            return
        scope.setdefault("router", self.router)  # url_for and friends see every route
        by_key, everywhere = index
        key = path_key(get_route_path(scope))
        subset = by_key.get(key, everywhere) if key is not None else everywhere
        await subset.app(scope, receive, send)


def _version(router: object) -> int:
    return int(getattr(router, VERSION_ATTR))


def install_route_index(router: APIRouter) -> None:
    """Route ``router``'s requests through :class:`IndexedRouting` (call once, any time)."""
    if not isinstance(router.middleware_stack, IndexedRouting):
        router.middleware_stack = IndexedRouting(router)
