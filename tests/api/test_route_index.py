"""Routing through the path index picks the route FastAPI's full scan picks, for every route.

The index (:mod:`pasienis.api.routeindex`) hands a request to the app's router over the routes
that could match its path. These tests check the one thing that makes that safe: no route
left out of a request's bucket matches the request (its path or the trailing-slash redirect's
other spelling), and served requests route, redirect, 405 and 404 as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Match

from pasienis.api import create_app
from pasienis.api.deps import all_routes, public
from pasienis.api.routeindex import IndexedRouting, path_key, route_key
from pasienis.config import Settings
from pasienis.store import Store


@pytest.fixture
def app(sqlite_store: Store, base_settings: Settings) -> FastAPI:
    return create_app(base_settings, store=sqlite_store)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def scope_for(method: str, path: str) -> dict:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def first_match(routes: list, scope: dict) -> tuple[object, Match] | None:
    """The route Starlette's scan would pick (the first full match, else the first partial)."""
    partial = None
    for route in routes:
        match, _ = route.matches(dict(scope))
        if match is Match.FULL:
            return route, match
        if match is Match.PARTIAL and partial is None:
            partial = (route, match)
    return partial


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/graph/path", ("api", "graph")),
        ("/api/graph", ("api", "graph")),
        ("/api/graph/", ("api", "graph")),
        ("/api", None),
        ("/api/", None),
        ("/", None),
        ("//graph", None),
        ("", None),
    ],
)
def test_a_request_path_is_keyed_by_its_first_two_segments(path: str, key: object) -> None:
    assert path_key(path) == key


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/graph/path", ("api", "graph")),
        ("/api/graph/component/{entity_id}", ("api", "graph")),
        ("/api/cases", ("api", "cases")),
        ("/api/{anything}", None),  # the second segment is a parameter
        ("/api/ca{se}", None),  # so is part of it
        ("/web", None),
        ("/", None),
        (None, None),  # a host route, say: no path
    ],
)
def test_a_route_is_keyed_only_by_literal_whole_segments(path: object, key: object) -> None:
    assert route_key(path) == key


def test_no_route_outside_a_bucket_matches_a_path_of_it(app: FastAPI, client: TestClient) -> None:
    """Every route's concrete path, with and without a trailing slash and each method:
    the bucket's scan finds what the whole scan finds."""
    client.get("/api/health")  # builds the index
    routing = app.router.middleware_stack
    assert isinstance(routing, IndexedRouting)
    index = routing._current()
    assert index is not None
    by_key, everywhere = index
    assert len(by_key) >= 10  # the API's prefixes really are told apart
    assert len(by_key["api", "graph"].routes) < len(app.router.routes) / 4
    checked = 0
    for ctx in all_routes(app):
        path = re.sub(r"\{[^}]+\}", "x", ctx.path)
        for variant in {path, path.rstrip("/") or "/", path + "/", path + "/deeper"}:
            for method in ("GET", "POST", "DELETE"):
                scope = scope_for(method, variant)
                key = path_key(variant)
                subset = by_key.get(key, everywhere) if key is not None else everywhere
                expected = first_match(app.router.routes, scope)
                assert first_match(subset.routes, scope) == expected, (method, variant)
                checked += 1
    assert checked > 1000


def test_served_requests_route_as_before(client: TestClient) -> None:
    assert client.get("/api/health").status_code == 200
    assert client.get("/api/graph/path", params={"source": "a", "target": "b"}).status_code == 401
    assert client.post("/api/health").status_code == 405  # a partial match: wrong method
    redirect = client.get("/api/health/", follow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["location"].endswith("/api/health")
    assert client.get("/api/no-such-thing").status_code == 404
    assert client.get("/nothing/here/at-all").status_code == 404
    assert client.get("/", follow_redirects=False).status_code == 307  # an unkeyed route
    assert client.get("/web/index.html").status_code == 200  # the static mount


def test_a_route_added_after_serving_began_is_found(app: FastAPI, client: TestClient) -> None:
    assert client.get("/api/later/added").status_code == 404

    @app.get("/api/later/added", dependencies=[Depends(public("test only"))])
    def added() -> dict[str, bool]:
        return {"ok": True}

    assert client.get("/api/later/added").json() == {"ok": True}


def test_a_route_with_a_parameter_early_is_tried_for_every_path(
    app: FastAPI, client: TestClient
) -> None:
    """``/api/{name}/probe`` could match a path of any bucket: it is in all of them."""

    @app.get("/api/{name}/probe", dependencies=[Depends(public("test only"))])
    def probe(name: str) -> dict[str, str]:
        return {"name": name}

    assert client.get("/api/health/probe").json() == {"name": "health"}  # a keyed bucket
    assert client.get("/api/health").status_code == 200  # its own routes still come first


def test_buckets_keep_order_and_put_unkeyed_items_everywhere() -> None:
    from pasienis.api.routeindex import Buckets

    found = Buckets(
        [({("a", "b")}, 1), ({None}, 2), ({("a", "b"), ("c", "d")}, 3), ({("c", "d")}, 4)]
    )
    assert found.get("/a/b/x") == [1, 2, 3]
    assert found.get("/c/d") == [2, 3, 4]
    assert found.get("/e/f") == [2]
    assert found.get("/") == [2]
