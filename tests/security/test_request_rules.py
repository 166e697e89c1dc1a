"""One credential per request, CSRF and origin rules, token expiry and revocation, secrets
kept out of logs, authentication before the body (issue 11, items 4, 8 and 11)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.conftest import run_async

from pasienis.api import create_app
from pasienis.api.access_log import install_access_log_redaction
from pasienis.config import Settings
from pasienis.security import Role
from pasienis.security.models import api_tokens
from pasienis.security.provision import provision
from pasienis.security.users import now
from pasienis.store import Store

PASSWORD = "correct horse battery"
NEW = {"current": PASSWORD, "new": "another long passphrase"}


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(
        update={"max_body_bytes": 2000, "allowed_origins": ["https://console.example"]}
    )


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    with store.begin() as conn:
        token = provision(conn, name="ana", roles=[Role.analyst], password=PASSWORD)
    with TestClient(create_app(settings, store=store), base_url="https://testserver") as c:
        c.ana_token = token  # type: ignore[attr-defined]
        yield c


def _login(client: TestClient) -> str:
    response = client.post("/api/auth/login", json={"name": "ana", "password": PASSWORD})
    assert response.status_code == 200
    return str(response.json()["csrf_token"])


# --- item 8: one credential per request; CSRF whatever the other headers; Origin -----------


@pytest.mark.parametrize("authorization", ["", "junk", "Bearer", "Basic Zm9vOmJhcg==", "Bearer x"])
def test_an_authorization_header_never_exempts_a_cookie_from_csrf(
    client: TestClient, authorization: str
) -> None:
    _login(client)
    response = client.post("/api/auth/password", json=NEW, headers={"Authorization": authorization})
    assert response.status_code == 403
    assert response.json()["type"].endswith("/csrf")


def test_a_junk_authorization_header_is_the_credential_not_the_cookie(client: TestClient) -> None:
    csrf = _login(client)
    headers = {"Authorization": "junk", "X-CSRF-Token": csrf}
    assert client.post("/api/auth/password", json=NEW, headers=headers).status_code == 401
    assert client.get("/api/auth/me", headers={"Authorization": "junk"}).status_code == 401
    assert client.get("/api/auth/me").status_code == 200  # the cookie alone still works


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"Origin": "https://evil.example"}, False),
        ({"Origin": "null"}, False),
        ({"Sec-Fetch-Site": "cross-site"}, False),
        ({"Sec-Fetch-Site": "same-site"}, False),
        ({"Origin": "https://testserver", "Sec-Fetch-Site": "same-origin"}, True),
        ({"Origin": "https://console.example", "Sec-Fetch-Site": "cross-site"}, True),
        ({"Sec-Fetch-Site": "same-origin"}, True),
    ],
)
def test_cookie_requests_from_foreign_pages_are_refused_even_with_the_token(
    client: TestClient, headers: dict[str, str], allowed: bool
) -> None:
    csrf = _login(client)
    response = client.post(
        "/api/auth/password", json=NEW, headers={**headers, "X-CSRF-Token": csrf}
    )
    assert (response.status_code == 204) is allowed, response.text
    if not allowed:
        assert response.json()["type"].endswith("/csrf")


def test_sign_in_from_a_foreign_page_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/auth/login",
        json={"name": "ana", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


# --- item 4: secrets out of every uvicorn log, token expiry, revocation ----------------------


def test_websocket_access_tokens_are_masked_in_uvicorn_logs() -> None:
    """uvicorn logs WebSocket handshakes on ``uvicorn.error`` as (client, path)."""
    install_access_log_redaction()
    logger = logging.getLogger("uvicorn.error")
    record = logger.makeRecord(
        "uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5000", "/api/ops/ws/dispatch?access_token=pst_s3cr3t&x=1"), None,
    )  # fmt: skip
    assert logger.filter(record)
    assert "pst_s3cr3t" not in record.getMessage()
    assert "access_token=***&x=1" in record.getMessage()


def test_issued_tokens_expire_by_default(client: TestClient, store: Store) -> None:
    with store.begin() as conn:
        admin = provision(conn, name="root", roles=[Role.administrator])
    issued = client.post("/api/users/ana/tokens", headers={"Authorization": f"Bearer {admin}"})
    assert issued.status_code == 201
    assert issued.json()["expires_at"] is not None


def test_old_tokens_without_expiry_expire_after_the_configured_days(
    client: TestClient, store: Store
) -> None:
    token = client.ana_token  # type: ignore[attr-defined]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/auth/me", headers=bearer).status_code == 200
    with store.begin() as conn:  # a token from before expiries: no expires_at, 91 days old
        conn.execute(
            update(api_tokens).values(expires_at=None, created_at=now() - timedelta(days=91))
        )
    assert client.get("/api/auth/me", headers=bearer).status_code == 401


def test_a_password_change_revokes_api_tokens(client: TestClient) -> None:
    bearer = {"Authorization": f"Bearer {client.ana_token}"}  # type: ignore[attr-defined]
    assert client.get("/api/auth/me", headers=bearer).status_code == 200
    csrf = _login(client)
    assert client.post("/api/auth/password", json=NEW, headers={"X-CSRF-Token": csrf}).is_success
    assert client.get("/api/auth/me", headers=bearer).status_code == 401


# --- item 11: authenticate before the body; streamed bodies over the limit get 413 -----------


def _multipart_chunks(count: int) -> list[bytes]:
    head = (
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="a.ftm.json"'
        b"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    return [head, *([b"x" * 65536] * count), b"\r\n--b0undary--\r\n"]


def test_an_anonymous_upload_is_refused_before_its_body_is_read(
    store: Store, base_settings: Settings
) -> None:
    app = create_app(base_settings.model_copy(update={"max_body_bytes": 10**9}), store=store)
    chunks = _multipart_chunks(100)  # 6.5 MB
    read = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "https", "path": "/api/imports", "raw_path": b"/api/imports",
        "query_string": b"dataset=x", "root_path": "", "server": ("testserver", 443),
        "client": ("10.1.1.1", 5555),
        "headers": [(b"host", b"testserver"), (b"transfer-encoding", b"chunked"),
                    (b"content-type", b"multipart/form-data; boundary=b0undary")],
    }  # fmt: skip
    run_async(app(scope, receive, send))
    assert sent[0]["status"] == 401
    assert read == 0


def test_a_streamed_body_over_the_limit_is_413(client: TestClient) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"name": "ana", "password": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    response = client.post(
        "/api/auth/login", content=body(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["type"].endswith("/too-large")
