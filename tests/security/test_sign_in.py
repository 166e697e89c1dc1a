"""Sign-in over HTTP: cookies, CSRF, lock-out, rate limit, password change, tokens, devices."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.security import Role
from pasienis.security.provision import provision
from pasienis.store import Store

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(
        update={"login_max_failures_account": 3, "login_max_failures_ip": 5, "max_body_bytes": 2000}
    )


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    with store.begin() as conn:
        provision(conn, name="ana", roles=[Role.analyst], password=PASSWORD)
    with TestClient(create_app(settings, store=store), base_url="https://testserver") as c:
        yield c


def login(client: TestClient, name: str = "ana", password: str = PASSWORD, ip: str = "1.1.1.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/auth/login",
        json={"name": name, "password": password},
        headers={"X-Forwarded-For": ip},
    )


def test_session_cookie_flags(client: TestClient) -> None:
    response = login(client)
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("pasienis_session="))
    csrf = next(c for c in cookies if c.startswith("pasienis_csrf="))
    assert "HttpOnly" in session
    assert "Secure" in session
    assert "SameSite=strict" in session
    assert "HttpOnly" not in csrf
    assert "Secure" in csrf
    assert response.json()["csrf_token"] == client.cookies["pasienis_csrf"]
    assert client.get("/api/auth/me").json()["name"] == "ana"


def test_wrong_password_and_unknown_account_look_the_same(client: TestClient) -> None:
    a, b = login(client, password="wrong password!"), login(client, name="nobody")
    assert a.status_code == b.status_code == 401
    assert a.json()["title"] == b.json()["title"]


def test_account_lock_out_is_persisted_and_refuses_the_right_password(
    client: TestClient, store: Store, settings: Settings
) -> None:
    for _ in range(3):
        assert login(client, password="wrong password!").status_code == 401
    locked = login(client)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    # A new app on the same store (a restart, a second worker) still refuses.
    with TestClient(create_app(settings, store=store), base_url="https://testserver") as other:
        assert login(other).status_code == 429


def test_failures_under_the_limit_reset_on_success(client: TestClient) -> None:
    for _ in range(2):
        assert login(client, password="wrong password!").status_code == 401
    assert login(client).status_code == 200
    for _ in range(2):
        assert login(client, password="wrong password!").status_code == 401
    assert login(client).status_code == 200


def test_address_rate_limit_across_accounts(client: TestClient) -> None:
    # TestClient's peer address is fixed ("testclient"); spread failures over accounts.
    for i in range(5):
        assert login(client, name=f"guess{i}", password="x").status_code == 401
    assert login(client).status_code == 429  # ana's own count is zero: the address is blocked


def test_csrf_is_required_for_cookie_sessions(client: TestClient) -> None:
    token = login(client).json()["csrf_token"]
    body = {"current": PASSWORD, "new": "another long passphrase"}
    refused = client.post("/api/auth/password", json=body)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/csrf")
    wrong = client.post("/api/auth/password", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    ok = client.post("/api/auth/password", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 204


def test_bearer_requests_need_no_csrf(client: TestClient, store: Store) -> None:
    with store.begin() as conn:
        token = provision(conn, name="admin", roles=[Role.administrator])
    response = client.post(
        "/api/users",
        json={"name": "ben", "roles": ["analyst"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    assert len(response.json()["password"]) >= 16
    assert login(client, "ben", response.json()["password"]).status_code == 200


def test_password_change(client: TestClient) -> None:
    token = login(client).json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    short = client.post(
        "/api/auth/password", json={"current": PASSWORD, "new": "short"}, headers=headers
    )
    assert short.status_code == 422
    bad = client.post(
        "/api/auth/password",
        json={"current": "wrong!", "new": "a good new passphrase"},
        headers=headers,
    )
    assert bad.status_code == 422
    old_session = client.cookies["pasienis_session"]
    ok = client.post(
        "/api/auth/password",
        json={"current": PASSWORD, "new": "a good new passphrase"},
        headers=headers,
    )
    assert ok.status_code == 204
    assert client.cookies["pasienis_session"] != old_session  # renewed
    assert client.get("/api/auth/me").status_code == 200
    # The old session is dead; the old password too.
    client.cookies.set("pasienis_session", old_session, domain="testserver.local")
    stale = client.get("/api/auth/me")
    assert stale.status_code == 401
    assert login(client).status_code == 401
    assert login(client, password="a good new passphrase").status_code == 200


def test_logout_ends_the_session(client: TestClient) -> None:
    token = login(client).json()["csrf_token"]
    session = client.cookies["pasienis_session"]
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204
    client.cookies.set("pasienis_session", session, domain="testserver.local")
    assert client.get("/api/auth/me").status_code == 401


def test_tokens_and_device_credentials(client: TestClient, store: Store) -> None:
    with store.begin() as conn:
        api = provision(conn, name="svc", roles=[Role.analyst])
        phone = provision(conn, name="phone-7", roles=[Role.device])
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {api}"}).json()
    assert (me["name"], me["kind"]) == ("svc", "token")
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {phone}"}).json()
    assert (me["name"], me["kind"]) == ("phone-7", "device")
    basic = base64.b64encode(f"phone-7:{phone}".encode()).decode()
    assert (
        client.get("/api/auth/me", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    )
    assert client.get(f"/api/auth/me?token={phone}").status_code == 200
    # Basic and query tokens are for devices only, and only with the right name.
    api_basic = base64.b64encode(f"svc:{api}".encode()).decode()
    assert (
        client.get("/api/auth/me", headers={"Authorization": f"Basic {api_basic}"}).status_code
        == 401
    )
    wrong_name = base64.b64encode(f"phone-8:{phone}".encode()).decode()
    assert (
        client.get("/api/auth/me", headers={"Authorization": f"Basic {wrong_name}"}).status_code
        == 401
    )
    assert client.get(f"/api/entities/x?token={phone}").status_code == 401


def test_security_headers_and_body_limit(client: TestClient) -> None:
    response = client.get("/api/health")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert (
        "access-control-allow-origin"
        not in client.get("/api/health", headers={"Origin": "https://evil.example"}).headers
    )
    big = client.post(
        "/api/auth/login", content=b"x" * 5000, headers={"Content-Type": "application/json"}
    )
    assert big.status_code == 413


def test_no_hsts_over_plain_http(store: Store, settings: Settings) -> None:
    with TestClient(create_app(settings, store=store)) as plain:
        assert "strict-transport-security" not in plain.get("/api/health").headers
