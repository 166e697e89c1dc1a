"""Administration routes the web admin app needs: disable, revoke tokens, list and revoke grants."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.security import Role
from pasienis.security.audit import search_audit
from pasienis.security.provision import provision
from pasienis.store import Store

Clients = tuple[TestClient, dict[str, str]]


@pytest.fixture
def world(store: Store, base_settings: Settings) -> Iterator[Clients]:
    with store.begin() as conn:
        tokens = {
            "root": provision(conn, name="root", roles=[Role.administrator]),
            "ana": provision(conn, name="ana", roles=[Role.analyst], datasets=["border"]),
            "bob": provision(conn, name="bob", roles=[Role.dispatcher]),
        }
    with TestClient(create_app(base_settings, store=store)) as client:
        yield client, tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_disable_ends_access_and_enable_restores_the_account(world: Clients, store: Store) -> None:
    client, tokens = world
    root = bearer(tokens["root"])
    assert client.get("/api/auth/me", headers=bearer(tokens["ana"])).status_code == 200
    answer = client.put("/api/users/ana/disabled", json={"disabled": True}, headers=root)
    assert answer.status_code == 200
    assert answer.json()["disabled"] is True
    # Disabling revoked the token: it stays dead even after the account is enabled again.
    assert client.get("/api/auth/me", headers=bearer(tokens["ana"])).status_code == 401
    listed = {u["name"]: u for u in client.get("/api/users", headers=root).json()}
    assert listed["ana"]["disabled"] is True
    assert listed["bob"]["disabled"] is False
    enabled = client.put("/api/users/ana/disabled", json={"disabled": False}, headers=root)
    assert enabled.json()["disabled"] is False
    assert client.get("/api/auth/me", headers=bearer(tokens["ana"])).status_code == 401
    with store.read() as conn:
        actions = [e["action"] for e in search_audit(conn, user="root")]
    assert "user.disable" in actions
    assert "user.enable" in actions


def test_disable_refuses_self_unknown_and_bad_bodies(world: Clients) -> None:
    client, tokens = world
    root = bearer(tokens["root"])
    own = client.put("/api/users/root/disabled", json={"disabled": True}, headers=root)
    assert own.status_code == 403
    assert "own account" in own.json()["title"]
    assert client.get("/api/auth/me", headers=root).status_code == 200
    unknown = client.put("/api/users/nobody/disabled", json={"disabled": True}, headers=root)
    assert unknown.status_code == 404
    assert client.put("/api/users/ana/disabled", json={}, headers=root).status_code == 422
    assert (
        client.put("/api/users/ana/disabled", json={"disabled": "maybe"}, headers=root).status_code
        == 422
    )
    # Only an administrator may disable anyone.
    as_bob = client.put(
        "/api/users/ana/disabled", json={"disabled": True}, headers=bearer(tokens["bob"])
    )
    assert as_bob.status_code == 403


def test_revoke_tokens_counts_and_kills_them(world: Clients) -> None:
    client, tokens = world
    root = bearer(tokens["root"])
    issued = client.post("/api/users/bob/tokens", headers=root).json()["token"]
    assert client.get("/api/auth/me", headers=bearer(issued)).status_code == 200
    answer = client.delete("/api/users/bob/tokens", headers=root)
    assert answer.status_code == 200
    assert answer.json() == {"revoked": 2}  # the provisioned one and the new one
    assert client.get("/api/auth/me", headers=bearer(issued)).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(tokens["bob"])).status_code == 401
    assert client.delete("/api/users/bob/tokens", headers=root).json() == {"revoked": 0}
    assert client.delete("/api/users/nobody/tokens", headers=root).status_code == 404


def test_grants_are_listed_by_user_name_and_can_be_revoked(world: Clients) -> None:
    client, tokens = world
    root = bearer(tokens["root"])
    client.post("/api/datasets/border/grants", json={"group": "analysts"}, headers=root)
    listed = client.get("/api/grants", headers=root).json()
    pairs = {(g["resource"], g["grantee_kind"], g["grantee"]) for g in listed}
    assert pairs == {("border", "user", "ana"), ("border", "group", "analysts")}
    assert all(g["granted_at"] for g in listed)
    assert client.get("/api/auth/me", headers=bearer(tokens["ana"])).json()["datasets"] == [
        "border"
    ]

    gone = client.delete("/api/datasets/border/grants", params={"user": "ana"}, headers=root)
    assert gone.status_code == 204
    assert client.get("/api/auth/me", headers=bearer(tokens["ana"])).json()["datasets"] == []
    again = client.delete("/api/datasets/border/grants", params={"user": "ana"}, headers=root)
    assert again.status_code == 404
    remaining = [g["grantee"] for g in client.get("/api/grants", headers=root).json()]
    assert remaining == ["analysts"]


def test_revoke_grant_needs_exactly_one_grantee(world: Clients) -> None:
    client, tokens = world
    root = bearer(tokens["root"])
    path = "/api/datasets/border/grants"
    assert client.delete(path, headers=root).status_code == 400
    both = client.delete(path, params={"user": "ana", "group": "g"}, headers=root)
    assert both.status_code == 400
    unknown = client.delete(path, params={"user": "nobody"}, headers=root)
    assert unknown.status_code == 404
    assert client.get("/api/grants", headers=bearer(tokens["ana"])).status_code == 403
