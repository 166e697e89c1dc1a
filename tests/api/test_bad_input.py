"""Issue 11 #7: inputs found by a probe that made the server answer 500 (some anonymously).

Each must be a 4xx ``application/problem+json`` answer, and every error answer — 404, 422 and
a real 500 alike — carries the security headers. The schemathesis test
(``test_schemathesis.py``) generates inputs at random; these are the exact ones found.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from pasienis.api import create_app
from pasienis.api.deps import public
from pasienis.config import Settings
from pasienis.ops import service
from pasienis.security import HUMAN_ROLES
from pasienis.security.provision import provision
from pasienis.store import Store

OVERFLOWING = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+05:00"]
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e309"]
OUT_OF_RANGE = [("95", "25"), ("-90.5", "25"), ("54", "181"), ("54", "-180.01")]
PROBLEM = "application/problem+json"


@dataclass
class Env:
    client: TestClient
    admin: dict[str, str]
    device_id: str
    secret: str


@pytest.fixture
def env(sqlite_store: Store, base_settings: Settings) -> Iterator[Env]:
    with sqlite_store.begin() as conn:
        token = provision(conn, name="everyone", roles=HUMAN_ROLES, datasets=["*"])
        service.add_unit(conn, call_sign="ALFA-1", crew=[])
        _device, secret = service.add_device(conn, device_id="123456", unit_ref="ALFA-1")
    app = create_app(base_settings, store=sqlite_store)

    @app.get("/api/test-crash", dependencies=[Depends(public("test only"))])
    def crash() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield Env(client, {"Authorization": f"Bearer {token}"}, "123456", secret)


def assert_problem(response: object, status: int) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    assert response.headers["x-content-type-options"] == "nosniff"  # type: ignore[attr-defined]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("when", OVERFLOWING)
def test_overflowing_fix_times_are_400(env: Env, when: str) -> None:
    c, secret = env.client, env.secret
    answers = [
        c.get(
            f"/api/positions/osmand/{secret}",
            params={"id": env.device_id, "lat": "54.6", "lon": "25.2", "timestamp": when},
        ),
        c.post(
            f"/api/positions/osmand/{secret}",
            data={"deviceid": env.device_id, "lat": "54.6", "lon": "25.2", "timestamp": when},
        ),
        c.post(
            f"/api/positions/osmand/{secret}",
            json={
                "device_id": env.device_id,
                "location": {"timestamp": when, "coords": {"latitude": 54.6, "longitude": 25.2}},
            },
        ),
        c.post(
            "/api/positions",
            json={"device_id": env.device_id, "time": when, "lat": 54.6, "lon": 25.2},
            headers={"Authorization": f"Bearer {secret}"},
        ),
    ]
    for response in answers:
        assert_problem(response, 400)
        assert response.json()["type"].endswith("/bad-position")


@pytest.mark.parametrize("when", OVERFLOWING)
def test_a_strangers_fix_is_not_parsed(env: Env, when: str) -> None:
    """Without the device's secret the answer is 401, whatever the timestamp holds."""
    c = env.client
    params = {"id": env.device_id, "lat": "54.6", "lon": "25.2", "timestamp": when}
    assert_problem(c.get("/api/positions/osmand/wrong", params=params), 401)
    assert_problem(c.get("/api/positions/osmand", params=params), 401)
    body = {"device_id": env.device_id, "time": when, "lat": 54.6, "lon": 25.2}
    assert_problem(c.post("/api/positions", json=body), 401)


@pytest.mark.parametrize("value", NON_FINITE)
def test_non_finite_coordinates_are_422(env: Env, value: str) -> None:
    c, admin = env.client, env.admin
    task = f'{{"lat": {value}, "lon": 25.2, "category": "check", "description": "d"}}'
    raw = {**admin, "content-type": "application/json"}
    assert_problem(c.post("/api/tasks", content=task, headers=raw), 422)
    alert = (
        f'{{"alert_id": "a1", "occurred_at": "2026-11-01T10:00:00Z", "lat": 54.6, '
        f'"lon": {value}, "text": "x"}}'
    )
    assert_problem(c.post("/api/tasks/from-alert", content=alert, headers=raw), 422)
    for params in ({"lat": value, "lon": "25"}, {"lat": "54", "lon": value}):
        assert_problem(c.get("/api/ops/suggest", params=params, headers=admin), 422)
    fix = f'{{"device_id": "{env.device_id}", "lat": {value}, "lon": 25.2}}'
    headers = {"Authorization": f"Bearer {env.secret}", "content-type": "application/json"}
    assert_problem(c.post("/api/positions", content=fix, headers=headers), 422)


@pytest.mark.parametrize(("lat", "lon"), OUT_OF_RANGE)
def test_coordinates_outside_wgs84_are_refused_everywhere(env: Env, lat: str, lon: str) -> None:
    c, admin = env.client, env.admin
    la, lo = float(lat), float(lon)
    task = {"lat": la, "lon": lo, "category": "check", "description": "d"}
    assert_problem(c.post("/api/tasks", json=task, headers=admin), 422)
    alert = {"alert_id": "a1", "occurred_at": "2026-11-01T10:00:00Z", "lat": la, "lon": lo,
             "text": "x"}  # fmt: skip
    assert_problem(c.post("/api/tasks/from-alert", json=alert, headers=admin), 422)
    assert_problem(c.get("/api/ops/suggest", params={"lat": lat, "lon": lon}, headers=admin), 422)
    intercept = {"plate": "ABC123", "destination": {"lat": la, "lon": lo}}
    assert_problem(c.post("/api/ops/intercept", json=intercept, headers=admin), 422)
    fix = {"device_id": env.device_id, "lat": la, "lon": lo}
    auth = {"Authorization": f"Bearer {env.secret}"}
    assert c.post("/api/positions", json=fix, headers=auth).status_code in (400, 422)
    created = c.post("/api/tasks", json={**task, "lat": 54.6, "lon": 25.2}, headers=admin).json()
    report = {"status": "completed", "violation": {"category": "x", "lat": la, "lon": lo}}
    assert_problem(c.post(f"/api/tasks/{created['id']}/status", json=report, headers=admin), 422)


@pytest.mark.parametrize("when", OVERFLOWING)
def test_overflowing_query_and_body_times_are_422(env: Env, when: str) -> None:
    c, admin = env.client, env.admin
    task = {"lat": 54.6, "lon": 25.2, "category": "check", "description": "d", "due_at": when}
    assert_problem(c.post("/api/tasks", json=task, headers=admin), 422)
    for name in ("since", "until"):
        track = c.get("/api/ops/units/ALFA-1/track", params={name: when}, headers=admin)
        assert_problem(track, 422)
        assert_problem(c.get("/api/audit", params={name: when}, headers=admin), 422)


def test_a_lone_surrogate_in_the_login_is_422(env: Env) -> None:
    for body in (b'{"name": "\\ud800", "password": "x"}', b'{"name": "a", "password": "\\udfff"}'):
        response = env.client.post(
            "/api/auth/login", content=body, headers={"content-type": "application/json"}
        )
        assert_problem(response, 422)
        json.dumps(response.json(), ensure_ascii=False).encode("utf-8")  # no surrogate echoed


@pytest.mark.parametrize("secret", [["a"], {"a": 1}, 12345, None])
def test_a_hello_with_a_secret_that_is_not_a_string_is_refused(env: Env, secret: object) -> None:
    with env.client.websocket_connect("/api/ops/ws/unit") as ws:
        ws.send_json({"type": "hello", "device_id": env.device_id, "secret": secret})
        answer = ws.receive_json()
        assert answer["type"] == "error"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1008


def test_error_answers_carry_the_security_headers(env: Env) -> None:
    assert_problem(env.client.get("/api/no-such-route"), 404)
    assert_problem(env.client.get("/api/test-crash"), 500)
    assert env.client.get("/api/test-crash").json()["title"] == "internal server error"
    assert_problem(env.client.get("/api/ops/suggest", headers=env.admin), 422)
