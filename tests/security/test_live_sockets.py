"""Open dispatcher WebSockets end with the credential that opened them, and a session cookie
opens one only from a trusted origin (issue 11, items 5 and 9)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from starlette.websockets import WebSocketDisconnect

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.ops import service
from pasienis.security import Role
from pasienis.security.models import users
from pasienis.security.provision import provision
from pasienis.store import Store

PASSWORD = "correct horse battery"
FEED = "wss://testserver/api/ops/ws/dispatch"
FIX = "/api/positions/osmand/{secret}?id=D1&timestamp=1732872000&lat=54.6872&lon=25.2797"


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(
        update={"allowed_origins": ["https://console.example"], "ws_recheck_seconds": 0.2}
    )


@pytest.fixture
def app(store: Store, settings: Settings) -> FastAPI:
    return create_app(settings, store=store)


@pytest.fixture
def admin(app: FastAPI, store: Store) -> tuple[TestClient, dict[str, str]]:
    """A second, cookie-less client for the administrator's bearer requests."""
    with store.begin() as conn:
        token = provision(conn, name="root", roles=[Role.administrator])
    return TestClient(app, base_url="https://testserver"), {"Authorization": f"Bearer {token}"}


@pytest.fixture
def dispatcher(app: FastAPI, store: Store) -> Iterator[TestClient]:
    with store.begin() as conn:
        provision(conn, name="disp", roles=[Role.dispatcher], password=PASSWORD)
        service.add_unit(conn, call_sign="ALFA-1")
        _device, secret = service.add_device(conn, device_id="D1", unit_ref="ALFA-1")
    with TestClient(app, base_url="https://testserver") as client:
        client.app_state_secret = secret  # type: ignore[attr-defined]
        login = client.post("/api/auth/login", json={"name": "disp", "password": PASSWORD})
        assert login.status_code == 200
        yield client


def _closes(app: FastAPI, client: TestClient, action: Callable[[], None]) -> None:
    """Open the feed, act, then expect a 1008 close instead of the next position."""
    with client.websocket_connect(FEED) as feed:
        assert feed.receive_json()["type"] == "snapshot"
        action()
        sockets = getattr(app.state, "sockets", None)
        deadline = time.monotonic() + 10
        while (
            sockets is not None
            and sockets.count("user:" + _uid(client))
            and (time.monotonic() < deadline)
        ):
            time.sleep(0.05)
        # A position that a still-open feed would deliver:
        secret = client.app_state_secret  # type: ignore[attr-defined]
        TestClient(app).get(FIX.format(secret=secret))
        with pytest.raises(WebSocketDisconnect) as closed:
            feed.receive_json()
        assert closed.value.code == 1008


def _uid(client: TestClient) -> str:
    return str(client.get("/api/auth/me").json().get("id", ""))


def test_disabling_the_account_closes_its_feed(app, admin, dispatcher) -> None:  # type: ignore[no-untyped-def]
    admin_client, headers = admin

    def disable() -> None:
        response = admin_client.put(
            "/api/users/disp/disabled", json={"disabled": True}, headers=headers
        )
        assert response.status_code == 200

    _closes(app, dispatcher, disable)


def test_removing_the_role_closes_the_feed(app, admin, dispatcher) -> None:  # type: ignore[no-untyped-def]
    admin_client, headers = admin

    def demote() -> None:
        response = admin_client.put(
            "/api/users/disp/roles", json={"roles": ["analyst"]}, headers=headers
        )
        assert response.status_code == 200

    _closes(app, dispatcher, demote)


def test_signing_out_closes_the_feed(app, dispatcher) -> None:  # type: ignore[no-untyped-def]
    def sign_out() -> None:
        csrf = dispatcher.cookies["pasienis_csrf"]
        # A second client carrying the same cookies, as another tab would.
        other = TestClient(app, base_url="https://testserver", cookies=dict(dispatcher.cookies))
        assert other.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204

    _closes(app, dispatcher, sign_out)


def test_a_change_made_by_another_process_closes_the_feed(app, store, dispatcher) -> None:  # type: ignore[no-untyped-def]
    def disable_in_the_database() -> None:  # what `pasienis users disable` does elsewhere
        with store.begin() as conn:
            conn.execute(update(users).where(users.c.name == "disp").values(disabled=True))
        time.sleep(1.0)  # several re-check periods (0.2 s): the feed must notice by itself

    _closes(app, dispatcher, disable_in_the_database)


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        (None, True),
        ("https://testserver", True),
        ("https://console.example", True),
        ("https://evil.example", False),
        ("null", False),
    ],
)
def test_the_feed_checks_the_origin_of_a_cookie(dispatcher, origin, accepted) -> None:  # type: ignore[no-untyped-def]
    headers = {"Origin": origin} if origin else {}
    if accepted:
        with dispatcher.websocket_connect(FEED, headers=headers) as feed:
            assert feed.receive_json()["type"] == "snapshot"
        return
    with (
        pytest.raises(WebSocketDisconnect),
        dispatcher.websocket_connect(FEED, headers=headers) as feed,
    ):
        feed.receive_json()
