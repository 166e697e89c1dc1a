"""One-time pairing links: single use, expiry, superseded by a rotation, audited, no secret kept."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from fastapi.testclient import TestClient
from ops_helpers import Crew, person
from sqlalchemy import select, update

from pasienis.ops import pairing
from pasienis.security import Role
from pasienis.security.audit import search_audit, verify_chain
from pasienis.store import Store

PURPOSE = {"X-Purpose": "pair crew phone"}


def _issue(client: TestClient, admin: dict[str, str], device_id: str, **body: int) -> dict:
    answer = client.post(f"/api/ops/devices/{device_id}/pairing", json=body or None, headers=admin)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _token(setup: dict) -> str:
    link = setup["pairing_link"]
    assert "/web/field/#pair=" in link  # in the fragment: never sent to a server or a proxy
    return link.split("#pair=", 1)[1]


def _fix(client: TestClient, device_id: str, secret: str) -> int:
    """A Traccar Client fix with these credentials; the status code."""
    now = int(datetime.now(UTC).timestamp())
    query = f"id={device_id}&timestamp={now}&lat=54.6872&lon=25.2797"
    return client.get(f"/api/positions/osmand/{secret}?{query}").status_code


def _actions(store: Store) -> list[dict]:
    with store.read() as conn:
        return list(reversed(search_audit(conn, limit=200)))


def test_pairing_link_yields_the_credentials_once(
    client: TestClient, crew: Crew, store: Store
) -> None:
    admin = {**person(store, "admin1", Role.administrator), **PURPOSE}
    officer = {**crew.officer, **PURPOSE}
    setup = _issue(client, admin, crew.device_id)
    token = _token(setup)
    # Issuing gave the device a fresh secret: the one from `devices add` no longer works.
    assert setup["secret"] != crew.secret
    assert _fix(client, crew.device_id, crew.secret) == 401
    with store.read() as conn:
        row = conn.execute(select(pairing.pairings)).mappings().one()
    assert row["id"] == pairing.token_id(token)
    assert token not in str(dict(row))
    assert setup["secret"].encode() not in row["sealed_secret"]  # sealed, not stored in clear

    first = client.post("/api/ops/pair", json={"token": token}, headers=officer)
    assert first.status_code == 200, first.text
    got = first.json()
    assert (got["device_id"], got["secret"], got["call_sign"]) == (
        crew.device_id, setup["secret"], crew.call_sign)  # fmt: skip
    # The credentials work: a position is accepted with them.
    assert _fix(client, got["device_id"], got["secret"]) == 200

    again = client.post("/api/ops/pair", json={"token": token}, headers=officer)
    assert again.status_code == 410
    assert got["secret"] not in again.text
    with store.read() as conn:
        used = conn.execute(select(pairing.pairings)).mappings().one()
    assert used["used_by"] == "user:officer1"
    assert used["sealed_secret"] is None

    actions = [
        (e["action"], e["actor_name"], e["detail"].get("device_id")) for e in _actions(store)
    ]
    assert ("device.pairing.issue", "admin1", crew.device_id) in actions
    assert ("device.pairing.redeem", "officer1", crew.device_id) in actions
    assert ("device.pairing.refused", "officer1", crew.device_id) in actions
    assert verify_chain(store).ok


def test_expired_superseded_and_forged_links_are_refused(
    client: TestClient, crew: Crew, store: Store
) -> None:
    admin = {**person(store, "admin1", Role.administrator), **PURPOSE}
    officer = {**crew.officer, **PURPOSE}
    expired = _token(_issue(client, admin, crew.device_id, ttl_minutes=5))
    with store.begin() as conn:
        conn.execute(
            update(pairing.pairings)
            .where(pairing.pairings.c.id == pairing.token_id(expired))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert client.post("/api/ops/pair", json={"token": expired}, headers=officer).status_code == 410

    older = _token(_issue(client, admin, crew.device_id))
    newer = _token(_issue(client, admin, crew.device_id))  # a new link rotates the secret
    assert client.post("/api/ops/pair", json={"token": older}, headers=officer).status_code == 410
    assert client.post("/api/ops/pair", json={"token": newer}, headers=officer).status_code == 200

    forged = pairing.TOKEN_PREFIX + "A" * 43
    assert client.post("/api/ops/pair", json={"token": forged}, headers=officer).status_code == 410
    # Only administrators issue links; only signed-in people redeem them.
    assert client.post(f"/api/ops/devices/{crew.device_id}/pairing",
                       headers=crew.dispatcher).status_code == 403  # fmt: skip
    assert client.post("/api/ops/pair", json={"token": newer}).status_code == 401
    assert client.post("/api/ops/devices/nope/pairing", headers=admin).status_code == 404
    assert client.post(f"/api/ops/devices/{crew.device_id}/pairing", json={"ttl_minutes": 0},
                       headers=admin).status_code == 422  # fmt: skip


def test_owntracks_inline_configuration_and_traccar_settings(
    client: TestClient, crew: Crew, store: Store
) -> None:
    admin = {**person(store, "admin1", Role.administrator), **PURPOSE}
    setup = _issue(client, admin, crew.device_id)
    prefix = "owntracks:///config?inline="
    assert setup["owntracks_link"].startswith(prefix)
    config = json.loads(base64.b64decode(unquote(setup["owntracks_link"][len(prefix) :])))
    assert config == setup["owntracks_config"]
    assert config["_type"] == "configuration"
    assert config["mode"] == 3
    assert config["url"].endswith("/api/positions/owntracks")
    assert (config["username"], config["password"], config["deviceId"]) == (
        crew.device_id, setup["secret"], crew.device_id)  # fmt: skip
    # OwnTracks' HTTP login is accepted by the OwnTracks route.
    fix = {"_type": "location", "lat": 54.6, "lon": 25.2, "tst": int(datetime.now(UTC).timestamp())}
    answer = client.post("/api/positions/owntracks", json=fix,
                         auth=(config["username"], config["password"]))  # fmt: skip
    assert answer.status_code < 300, answer.text
    assert setup["traccar_device_identifier"] == crew.device_id
    assert setup["traccar_server_url"].endswith(f"/api/positions/osmand/{setup['secret']}")


def test_devices_add_prints_a_pairing_link_and_qr(cli, monkeypatch, sqlite_store: Store) -> None:
    monkeypatch.setenv("PASIENIS_OPS_PUBLIC_URL", "https://ops.example.lt")
    cli("units", "add", "alfa-1")
    text = cli("devices", "add", "777", "--unit", "ALFA-1", "--ttl", "10")
    link = next(w for w in text.split() if w.startswith("https://ops.example.lt/web/field/#pair="))
    assert "▀" in text or "▄" in text, "a QR code drawn with half blocks"
    assert "owntracks:///config?inline=" in text
    token = link.split("#pair=", 1)[1]
    with sqlite_store.begin() as conn:
        device_id, secret = pairing.redeem(conn, token=token, used_by="test")
        row = conn.execute(select(pairing.pairings)).mappings().one()
    assert device_id == "777"
    assert row["created_by"] == "cli"
    assert (row["expires_at"] - row["created_at"]) == timedelta(minutes=10)
    # `devices pair` makes a new link with a new secret: the old secret stops working.
    setup = json.loads(cli("devices", "pair", "777", "--json"))
    assert setup["secret"] != secret
    assert setup["pairing_link"].startswith("https://ops.example.lt/web/field/#pair=ppt_")
