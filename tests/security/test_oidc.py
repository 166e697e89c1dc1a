"""OpenID Connect sign-in against a stub provider served on 127.0.0.1 by the test itself."""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, HTTPException
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.security import Role
from pasienis.security.oidc import link_identity
from pasienis.security.provision import provision
from pasienis.security.users import get_user
from pasienis.store import Store

CLIENT_ID, SECRET, REDIRECT = "pasienis", "s3cret", "https://testserver/api/auth/oidc/callback"


class Provider:
    """A tiny OpenID provider: discovery, authorize, token (checks PKCE), JWKS."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict[str, Any]] = {}
        self.user = "ana"
        self.subject: str | None = None  # default: sub-<user>
        self.nonce_override: str | None = None
        self.hits = {"discovery": 0, "jwks": 0}
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.app = self._build()

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, str]:
            self.hits["discovery"] += 1
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
            }

        @app.get("/authorize")
        def authorize(
            redirect_uri: str, state: str, nonce: str, code_challenge: str, client_id: str
        ) -> RedirectResponse:
            code = f"code-{len(self.codes)}"
            self.codes[code] = {"challenge": code_challenge, "nonce": nonce, "client": client_id}
            query = urllib.parse.urlencode({"code": code, "state": state})
            return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)

        @app.post("/token")
        def token(
            code: str = Form(), code_verifier: str = Form(), client_secret: str = Form()
        ) -> dict[str, str]:
            grant = self.codes.pop(code, None)
            digest = hashlib.sha256(code_verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if grant is None or challenge != grant["challenge"] or client_secret != SECRET:
                raise HTTPException(400, "invalid_grant")
            now = int(time.time())
            claims = {
                "iss": self.issuer, "aud": CLIENT_ID, "sub": self.subject or f"sub-{self.user}",
                "iat": now,
                "exp": now + 300, "nonce": self.nonce_override or grant["nonce"],
                "preferred_username": self.user,
            }  # fmt: skip
            signed = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})
            return {"id_token": signed, "access_token": "unused", "token_type": "Bearer"}

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            self.hits["jwks"] += 1
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}

        return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    stub = Provider()
    server = uvicorn.Server(
        uvicorn.Config(stub.app, host="127.0.0.1", port=stub.port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield stub
    server.should_exit = True
    thread.join(timeout=5)


def _settings(base: Settings, provider: Provider, **extra: object) -> Settings:
    return base.model_copy(
        update={
            "oidc_issuer": provider.issuer, "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SECRET, "oidc_redirect_url": REDIRECT, **extra,
        }
    )  # fmt: skip


@pytest.fixture
def client(
    sqlite_store: Store, base_settings: Settings, provider: Provider
) -> Iterator[TestClient]:
    settings = _settings(base_settings, provider)
    with sqlite_store.begin() as conn:
        provision(conn, name="ana", roles=[Role.analyst])  # no password: OIDC only
        # An administrator linked ana's identity at the provider (pasienis users link-oidc).
        link_identity(
            conn, user_id=get_user(conn, name="ana").id, issuer=provider.issuer,
            subject="sub-ana", linked_by="test",
        )  # fmt: skip
    with TestClient(create_app(settings, store=sqlite_store), base_url="https://testserver") as c:
        yield c


def _sign_in(client: TestClient) -> int:
    location = client.get("/api/auth/oidc/login", follow_redirects=False).headers["location"]
    back = httpx.get(location, follow_redirects=False).headers["location"]
    return client.get(back.removeprefix("https://testserver"), follow_redirects=False).status_code


def test_oidc_sign_in_with_pkce(client: TestClient, provider: Provider) -> None:
    start = client.get("/api/auth/oidc/login", follow_redirects=False)
    location = start.headers["location"]
    assert location.startswith(provider.issuer + "/authorize?")
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert params["code_challenge_method"] == ["S256"]
    back = httpx.get(location, follow_redirects=False).headers["location"]
    assert back.startswith(REDIRECT)
    done = client.get(back.removeprefix("https://testserver"), follow_redirects=False)
    assert done.status_code == 303, done.text
    assert "HttpOnly" in done.headers["set-cookie"]
    me = client.get("/api/auth/me").json()
    assert (me["name"], me["roles"]) == ("ana", ["analyst"])


def test_replayed_or_forged_state_is_refused(client: TestClient, provider: Provider) -> None:
    location = client.get("/api/auth/oidc/login", follow_redirects=False).headers["location"]
    back = httpx.get(location, follow_redirects=False).headers["location"]
    path = back.removeprefix("https://testserver")
    assert client.get(path, follow_redirects=False).status_code == 303
    client.cookies.clear()
    replay = client.get(path, follow_redirects=False)
    assert replay.status_code == 400
    assert replay.json()["type"].endswith("/oidc")
    forged = client.get("/api/auth/oidc/callback?code=x&state=forged", follow_redirects=False)
    assert forged.status_code == 400
    assert client.get("/api/auth/me").status_code == 401


def test_a_wrong_nonce_or_unknown_user_is_refused(client: TestClient, provider: Provider) -> None:
    def attempt() -> int:
        location = client.get("/api/auth/oidc/login", follow_redirects=False).headers["location"]
        back = httpx.get(location, follow_redirects=False).headers["location"]
        return client.get(
            back.removeprefix("https://testserver"), follow_redirects=False
        ).status_code

    provider.nonce_override = "not-the-nonce"
    try:
        assert attempt() == 400
    finally:
        provider.nonce_override = None
    provider.user = "mallory"  # signed in at the provider, but no local account
    try:
        assert attempt() == 403
    finally:
        provider.user = "ana"
    assert client.get("/api/auth/me").status_code == 401


def test_accounts_are_found_by_issuer_and_subject_not_the_username(
    client: TestClient, provider: Provider
) -> None:
    """Someone at the provider calling themselves "ana" is not ana (issue 11, item 14)."""
    provider.subject = "sub-mallory"  # preferred_username stays "ana"
    try:
        assert _sign_in(client) == 403
    finally:
        provider.subject = None
    assert client.get("/api/auth/me").status_code == 401
    provider.user = "ana-renamed"  # ana renamed at the provider: same sub, still ana
    provider.subject = "sub-ana"
    try:
        assert _sign_in(client) == 303
    finally:
        provider.user, provider.subject = "ana", None
    assert client.get("/api/auth/me").json()["name"] == "ana"


def test_first_sign_in_links_by_name_only_when_enabled_and_only_once(
    sqlite_store: Store, base_settings: Settings, provider: Provider
) -> None:
    settings = _settings(base_settings, provider, oidc_link_on_first_sign_in=True)
    with sqlite_store.begin() as conn:
        provision(conn, name="ben", roles=[Role.analyst])
    app = create_app(settings, store=sqlite_store)
    provider.user = "ben"
    try:
        with TestClient(app, base_url="https://testserver") as client:
            assert _sign_in(client) == 303  # linked (iss, sub-ben) to ben
            assert client.get("/api/auth/me").json()["name"] == "ben"
        provider.subject = "sub-other"  # another identity also calling itself ben
        with TestClient(app, base_url="https://testserver") as client:
            assert _sign_in(client) == 403
    finally:
        provider.user, provider.subject = "ana", None


def test_discovery_and_keys_are_cached_not_fetched_per_sign_in(
    client: TestClient, provider: Provider
) -> None:
    assert _sign_in(client) == 303  # warms the caches (if an earlier test did not)
    before = dict(provider.hits)
    for _ in range(3):
        client.cookies.clear()
        assert _sign_in(client) == 303
    assert provider.hits == before
