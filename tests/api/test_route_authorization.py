"""Every route refuses the unauthenticated (401) and the wrong role (403) — none forgotten.

The walk reads the routes FastAPI itself serves (included routers flattened), so a route
added by any later router is checked too; a route declaring neither ``require`` nor
``public`` fails the walk (and ``create_app`` refuses to build).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.api.deps import (
    DOC_ROUTES,
    Role,
    all_routes,
    public,
    require,
    route_access,
    unguarded_routes,
)
from pasienis.api.middleware import install_security
from pasienis.config import Settings
from pasienis.errors import ConfigurationError
from pasienis.security.provision import provision
from pasienis.store import Store

# Routes that are open on purpose; a new public route must be added here knowingly.
EXPECTED_PUBLIC = {
    ("GET", "/api/health"),
    ("POST", "/api/auth/login"),
    ("GET", "/api/auth/oidc/login"),
    ("GET", "/api/auth/oidc/callback"),
    ("GET", "/"),  # the landing page: static, no data
}
# Device endpoints (phones) are public() to FastAPI because ops checks a per-device secret
# in the handler (Traccar/OwnTracks cannot send our headers); ops' tests cover that check.
# Camera sources (live plate reads) and the alerts WebSocket do the same; tests/watch covers them.
DEVICE_PREFIXES = ("/api/positions", "/api/ops/ws/", "/api/watch/plate-reads", "/api/alerts/ws")
# Routes every role may use, so no wrong role exists to test 403 with.
EXPECTED_ANY_ROLE = {("GET", "/api/auth/me")}


@pytest.fixture
def app(sqlite_store: Store, base_settings: Settings) -> FastAPI:
    return create_app(base_settings, store=sqlite_store)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def concrete(path: str) -> str:
    """Fill path parameters with a harmless value."""
    return re.sub(r"\{[^}]+\}", "x", path)


def endpoints(app: FastAPI) -> list[tuple[str, str, frozenset[Role] | None]]:
    """(method, path, allowed roles or None for public) of every API route."""
    found = []
    for route in all_routes(app):
        if route.path in DOC_ROUTES or not route.methods:
            continue
        (access,) = route_access(route)  # exactly one declaration (checked below too)
        roles = access.roles if access.mode == "require" else None
        found.extend((m, route.path, roles) for m in sorted(route.methods) if m != "HEAD")
    return found


def test_every_route_declares_exactly_one_access_rule(app: FastAPI) -> None:
    assert unguarded_routes(app) == []
    assert len(endpoints(app)) >= 20  # the walk really sees the routers


def test_public_routes_are_the_expected_few(app: FastAPI) -> None:
    public_routes = {(m, p) for m, p, roles in endpoints(app) if roles is None}
    reviewed = {(m, p) for m, p in public_routes if not p.startswith(DEVICE_PREFIXES)}
    assert reviewed == EXPECTED_PUBLIC
    for route in all_routes(app):
        for access in route_access(route):
            assert access.mode == "require" or len(access.reason) > 10, route.path


def test_every_protected_route_refuses_the_unauthenticated(
    app: FastAPI, client: TestClient
) -> None:
    checked = 0
    for method, path, roles in endpoints(app):
        if roles is None:
            continue
        response = client.request(method, concrete(path))
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response.headers["www-authenticate"].startswith("Bearer")
        # A forged token is no better than none.
        forged = client.request(method, concrete(path), headers={"Authorization": "Bearer x"})
        assert forged.status_code == 401, f"{method} {path} with a forged token"
        checked += 1
    assert checked >= 15


def test_every_protected_route_refuses_a_wrong_role(
    app: FastAPI, client: TestClient, sqlite_store: Store
) -> None:
    tokens: dict[Role, str] = {}
    with sqlite_store.begin() as conn:
        for role in Role:
            tokens[role] = provision(conn, name=f"only-{role}", roles=[role], datasets=["*"])
    any_role, checked = set(), 0
    for method, path, roles in endpoints(app):
        if roles is None:
            continue
        wrong = [r for r in Role if r not in roles]
        if not wrong:
            any_role.add((method, path))
            continue
        for role in wrong:
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            response = client.request(method, concrete(path), headers=headers)
            assert response.status_code == 403, f"{method} {path} as {role}: {response.status_code}"
            assert response.json()["type"].endswith("/forbidden")
            checked += 1
    assert any_role == EXPECTED_ANY_ROLE
    assert checked >= 50


def test_a_route_added_later_without_a_rule_is_caught(app: FastAPI) -> None:
    @app.get("/api/forgotten")
    def forgotten() -> dict[str, str]:
        return {"secret": "data"}

    assert unguarded_routes(app) == ["GET /api/forgotten: declares nothing"]
    with pytest.raises(ValueError, match="not enough values"):
        endpoints(app)  # the walk itself refuses the route


def test_an_app_with_an_unguarded_router_is_refused(base_settings: Settings) -> None:
    router = APIRouter(prefix="/api/new")

    @router.get("/open")
    def open_route() -> dict[str, str]:
        return {}

    @router.get("/both", dependencies=[Depends(public("x")), Depends(require(Role.analyst))])
    def both() -> dict[str, str]:
        return {}

    @router.get("/fine", dependencies=[Depends(require(Role.analyst))])
    def fine() -> dict[str, str]:
        return {}

    fresh = FastAPI()
    fresh.include_router(router)
    bad = unguarded_routes(fresh)
    assert bad == [
        "GET /api/new/open: declares nothing",
        "GET /api/new/both: declares ['public', 'require']",
    ]
    with pytest.raises(ConfigurationError, match="/api/new/open"):
        install_security(fresh, base_settings)


def test_router_level_rules_count(base_settings: Settings) -> None:
    router = APIRouter(prefix="/api/guarded", dependencies=[Depends(require(Role.auditor))])

    @router.get("/x")
    def x() -> dict[str, str]:
        return {}

    fresh = FastAPI()
    fresh.include_router(router)
    assert unguarded_routes(fresh) == []


def test_rules_need_a_role_or_a_reason() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        require()
    with pytest.raises(ValueError, match="reason"):
        public("  ")
