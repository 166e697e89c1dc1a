"""The compartment walk: every GET route, as two analysts with disjoint dataset grants.

Each analyst imported (through the API) a person, a plate read, a quarantined bad row and an
FtM entity into their own dataset; that made import runs, jobs and quarantine entries too.
The walk reads the routes FastAPI itself serves (``all_routes``), so a route added later —
search, graph, alerts, exports — is walked the moment it exists: each path parameter is
filled with the ids of the other analyst's objects (and one's own, and junk), each string
query parameter with the other's tag, ``dataset=`` with the other's dataset. No answer may
carry a marker of the other analyst's data (names, entity ids, raw values, file names and
server paths, run, job and quarantine ids), unless the request itself carried that value (an
id echoed in a 404 is not a leak).

The walk must also *see* data: each analyst's own markers must show on the routes that
serve them, or the walk proves nothing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from compartment_world import Side, WorldTemplate, body_text, leaks, serve_world
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from pasienis.api.deps import DOC_ROUTES, all_routes
from pasienis.config import Settings
from pasienis.security import Role

PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
#: Routes not walked, each with the reason it provably returns no dataset data. Keep short.
NOT_WALKED: dict[str, str] = {
    # (none: every GET route is walked; FastAPI's own docs and the static mounts are not
    # routes of ours, see DOC_ROUTES and Mount below)
}
#: Administrators' metadata: dataset names (and grantees), never what a dataset holds. Only
#: the dataset-name marker is ignored there, in the walk as analyst-administrators.
ADMIN_METADATA = {
    "/api/datasets": "registered datasets and their classification",
    "/api/grants": "who may see which dataset",
    # Retention is reviewed over all data by the administrators (the DPO's duty, LED Art. 5):
    # dataset names with periods and counts of expired rows, never their contents.
    "/api/retention/status": "retention periods and expired counts per dataset",
    "/api/retention/reviews": "the retention review queue per dataset",
}
#: Known leaks, still open: each must still leak (so a fix removes its entry), and no other
#: route may. Operations read events across datasets for dispatchers and administrators.
KNOWN_OPEN: dict[str, str] = {}
#: Routes that must show the walking analyst their own data (proof the walk reaches data).
SHOWS_OWN = {
    "/api/entities/{entity_id}",
    "/api/entities/{entity_id}/statements",
    "/api/entities/{entity_id}/export",
    "/api/imports",
    "/api/imports/{run_id}",
    "/api/quarantine",
    "/api/quarantine/{entry_id}",
    "/api/jobs",
    "/api/jobs/{job_id}",
    "/api/risk/scores",
    "/api/risk/scores/{declaration_id}",
    "/api/entities/{entity_id}/history",
    "/api/cases",
    "/api/cases/{case_id}",
    "/api/cases/{case_id}/items/{item_id}",
    "/api/cases/{case_id}/activity",
}


@pytest.fixture
def walked(
    analyst_world: WorldTemplate, tmp_path: Path, base_settings: Settings
) -> Iterator[tuple[FastAPI, TestClient, Side, Side]]:
    for app, client, ana, bob, _store in serve_world(analyst_world, tmp_path, base_settings):
        yield app, client, ana, bob


def get_routes(app: FastAPI) -> list[Any]:
    """Every GET route of the app (included routers flattened), docs and mounts aside."""
    found = []
    for route in all_routes(app):
        if isinstance(route.original_route, Mount) or route.path in DOC_ROUTES:
            continue
        if "GET" in (route.methods or set()) and route.path not in NOT_WALKED:
            found.append(route)
    return found


def _string_queries(route: Any) -> list[str]:
    """Names of the route's string query parameters (search text, filters, ...)."""
    names = []
    for param in getattr(route.dependant, "query_params", []):
        annotation = str(getattr(param.field_info, "annotation", ""))
        if "str" in annotation:
            names.append(param.alias or param.name)
    return names


def requests_for(route: Any, me: Side, other: Side) -> Iterator[tuple[str, dict[str, str]]]:
    """(path, query) pairs: path parameters from both sides' ids and junk; the bare query
    and one aimed at the other's dataset."""
    names = PARAM.findall(route.path)
    pool = [*other.ids, *me.ids, "x"]
    aimed = dict.fromkeys(_string_queries(route), other.tag) | {"dataset": other.dataset}
    for values in _combinations(pool, len(names), (other.ids[0], me.ids[0])):
        path = route.path
        for name, value in zip(names, values, strict=True):
            path = re.sub(r"\{" + re.escape(name) + r"(?::[^}]+)?\}", value, path, count=1)
        yield path, {}
        yield path, aimed


def _combinations(pool: list[str], n: int, bases: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every value in every position: all of them for one parameter; for several, each value
    in all positions at once and in each position with the others at a base id (linear in
    the pool, so a route with three parameters stays quick)."""
    if n <= 1:
        return list(itertools.product(pool, repeat=n))
    found = {tuple([v] * n) for v in pool}
    for i, v, base in itertools.product(range(n), pool, bases):
        found.add(tuple(v if j == i else base for j in range(n)))
    return sorted(found)


def walk(
    app: FastAPI,
    client: TestClient,
    me: Side,
    other: Side,
    metadata: frozenset[str] = frozenset(),
    only: frozenset[str] | None = None,
) -> tuple[list[str], set[str]]:
    """Leaks found (``GET path?query: markers``) and the routes that showed ``me`` own data;
    on ``metadata`` routes the other's dataset name is not counted; ``only`` walks just
    those route paths.

    The requests run on the app's own event loop (the running TestClient's portal, where its
    lifespan runs) through one httpx ASGI client: the same requests and answers as through
    TestClient, without its thread hop for every ASGI message (most of the walk's time)."""
    return client.portal.call(_walk, app, str(client.base_url), me, other, metadata, only)


async def _walk(
    app: FastAPI,
    base_url: str,
    me: Side,
    other: Side,
    metadata: frozenset[str],
    only: frozenset[str] | None,
) -> tuple[list[str], set[str]]:
    found, own = [], set()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        for route in get_routes(app):
            if only is not None and route.path not in only:
                continue
            for path, query in requests_for(route, me, other):
                response = await http.get(path, params=query, headers=me.headers)
                text = body_text(response)
                asked = path + " " + " ".join(query.values())
                if route.path in metadata:
                    asked += " " + other.dataset
                bad = leaks(text, other, asked)
                if bad:
                    found.append(f"GET {path}?{query}: {', '.join(bad)}")
                if response.status_code == 200 and leaks(text, me, ""):
                    own.add(route.path)
    return found, own


@pytest.mark.slow
def test_no_route_shows_one_analyst_the_other_analysts_data(walked) -> None:  # type: ignore[no-untyped-def]
    app, client, ana, bob = walked
    for me, other in ((ana, bob), (bob, ana)):
        found, own = walk(app, client, me, other)
        assert found == [], f"{me.user} sees {other.user}'s data:\n" + "\n".join(found)
        assert own >= SHOWS_OWN, f"{me.user}'s own data not seen on {SHOWS_OWN - own}"


@pytest.mark.slow
def test_no_route_shows_an_analyst_administrator_the_other_datasets_data(
    admin_world: WorldTemplate, tmp_path: Path, base_settings: Settings
) -> None:
    """Administrators and dispatchers too read through their grants (jobs, runs, paths)."""
    for app, client, ana, bob, _store in serve_world(admin_world, tmp_path, base_settings):
        found, own = walk(app, client, ana, bob, metadata=frozenset(ADMIN_METADATA))
    open_routes = {line.split("?")[0].removeprefix("GET ") for line in found}
    assert open_routes == set(KNOWN_OPEN), "\n".join(found)
    assert own >= SHOWS_OWN


def test_the_walk_covers_every_get_route(walked) -> None:  # type: ignore[no-untyped-def]
    """New routes are walked without being listed; the walk sees the data routes."""
    app, *_ = walked
    paths = {route.path for route in get_routes(app)}
    assert paths >= SHOWS_OWN
    assert len(paths) >= 25


def test_a_leaking_route_added_later_is_caught(walked) -> None:  # type: ignore[no-untyped-def]
    """A route that reads quarantine without the caller's grants fails the walk at once."""
    from pasienis.api.deps import require
    from pasienis.ingest import list_entries

    app, client, ana, bob = walked

    @app.get("/api/new/everything", dependencies=[Depends(require(Role.analyst))])
    def everything() -> list[dict[str, Any]]:
        with app.state.store.read() as conn:
            return list_entries(conn, status=None)

    assert "/api/new/everything" in {route.path for route in get_routes(app)}
    found, _own = walk(app, client, ana, bob, only=frozenset({"/api/new/everything"}))
    assert any("/api/new/everything" in line and "raw value" in line for line in found), found
