"""Device credentials: generations, rotation and deactivation in every process, fast hashes,
one answer for unknown devices and wrong secrets (issue 11 items 3 and 13, issue 19)."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from live_server import LiveServer
from ops_helpers import Crew, make_unit, person
from sqlalchemy import select, update
from starlette.websockets import WebSocketDisconnect

from pasienis.config import Settings
from pasienis.ops import service
from pasienis.ops.models import devices
from pasienis.security import Role
from pasienis.store import Store, open_store, upgrade

FIX = "id={device}&timestamp=1732872000&lat=54.6872&lon=25.2797"


def _osmand(client: TestClient, secret: str, device: str = "123456") -> int:
    return client.get(f"/api/positions/osmand/{secret}?{FIX.format(device=device)}").status_code


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local server
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_a_rotation_elsewhere_takes_effect_in_a_running_server(tmp_path: Path) -> None:
    """The server process has verified (and cached) the secret; the CLI in another process
    rotates it: the running server must refuse the old secret at once."""
    db = tmp_path / "ops.db"
    store = open_store(Settings(database_url=f"sqlite:///{db}"))
    upgrade(store)
    make_unit(store, "ALFA-1", "123456")
    with store.begin() as conn:  # a secret from before SHA-256: cached after argon2
        conn.execute(
            update(devices)
            .where(devices.c.id == "123456")
            .values(secret_hash=PasswordHasher(time_cost=1, memory_cost=1024).hash("old-secret"))
        )
    server = LiveServer(data_dir=tmp_path, database_url=f"sqlite:///{db}", env={})
    server.start()
    try:
        url = f"{server.url}/api/positions/osmand/{{}}?{FIX.format(device='123456')}"
        assert _get(url.format("old-secret")) == 200
        assert _get(url.format("old-secret")) == 200  # served from the server's cache now
        with store.begin() as conn:  # what `pasienis devices rotate` does, in this process
            new = service.rotate_secret(conn, device_id="123456")
        assert _get(url.format("old-secret")) == 401
        assert _get(url.format(new)) == 200
        with store.begin() as conn:
            service.set_device_active(conn, device_id="123456", active=False)
        assert _get(url.format(new)) == 401
    finally:
        server.stop()
        store.dispose()


def test_admin_api_rotates_and_deactivates(client: TestClient, crew: Crew, store: Store) -> None:
    admin = person(store, "root", Role.administrator)
    assert _osmand(client, crew.secret) == 200
    rotated = client.post(f"/api/ops/devices/{crew.device_id}/rotate", headers=admin)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != crew.secret
    assert new in rotated.json()["traccar_server_url"]
    assert _osmand(client, crew.secret) == 401
    assert _osmand(client, new) == 200
    off = client.put(
        f"/api/ops/devices/{crew.device_id}/active", json={"active": False}, headers=admin
    )
    assert off.status_code == 200
    assert off.json()["active"] is False
    assert "secret_hash" not in off.json()
    assert _osmand(client, new) == 401
    on = client.put(
        f"/api/ops/devices/{crew.device_id}/active", json={"active": True}, headers=admin
    )
    assert on.json()["credential_generation"] == off.json()["credential_generation"] + 1
    assert _osmand(client, new) == 200
    # Dispatchers may not; every change is audited.
    assert (
        client.post(f"/api/ops/devices/{crew.device_id}/rotate", headers=crew.dispatcher)
    ).status_code == 403
    log = client.get("/api/audit", headers=person(store, "aud", Role.auditor)).json()
    actions = {e["action"] for e in log}
    assert {"device.rotate", "device.deactivate", "device.activate"} <= actions


def test_rotation_closes_the_devices_open_socket(
    client: TestClient, crew: Crew, store: Store
) -> None:
    admin = person(store, "root", Role.administrator)
    with client.websocket_connect("/api/ops/ws/unit") as ws:
        ws.send_json({"type": "hello", "device_id": crew.device_id, "secret": crew.secret})
        assert ws.receive_json()["type"] == "welcome"
        assert client.post(f"/api/ops/devices/{crew.device_id}/rotate", headers=admin).is_success
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1008


def test_new_secrets_are_long_and_stored_as_sha256(store: Store, crew: Crew) -> None:
    with store.read() as conn:
        stored = conn.execute(
            select(devices.c.secret_hash).where(devices.c.id == crew.device_id)
        ).scalar_one()
    assert stored.startswith("sha256$")
    assert len(stored) == len("sha256$") + 64
    assert len(crew.secret) >= 43  # 256 bits, URL-safe base64


def test_a_given_secret_is_kept_and_a_short_one_refused(store: Store, client: TestClient) -> None:
    """A fleet moved from another server keeps its devices' secrets; a short one is refused,
    since device secrets are stored as a fast hash."""
    with store.begin() as conn:
        service.add_unit(conn, call_sign="G1")
        _row, kept = service.add_device(
            conn, device_id="g1", unit_ref="G1", secret="moved-fleet-secret-0001"
        )
        with pytest.raises(service.OpsError, match="at least 12"):
            service.add_device(conn, device_id="g2", unit_ref="G1", secret="short")
    assert kept == "moved-fleet-secret-0001"
    assert _osmand(client, kept, device="g1") == 200
    assert _osmand(client, "moved-fleet-secret-0002", device="g1") == 401
    with store.read() as conn:
        assert conn.execute(select(devices.c.id).where(devices.c.id == "g2")).first() is None


def test_a_legacy_argon2_secret_works_and_is_rehashed(
    client: TestClient, crew: Crew, store: Store
) -> None:
    legacy = PasswordHasher(time_cost=1, memory_cost=1024).hash("an-old-secret")
    with store.begin() as conn:
        conn.execute(
            update(devices).where(devices.c.id == crew.device_id).values(secret_hash=legacy)
        )
    assert _osmand(client, "not-it") == 401
    assert _osmand(client, "an-old-secret") == 200
    with store.read() as conn:
        row = conn.execute(select(devices).where(devices.c.id == crew.device_id)).mappings().one()
    assert row["secret_hash"].startswith("sha256$")
    assert _osmand(client, "an-old-secret") == 200
    assert _osmand(client, "not-it") == 401


def test_unknown_device_and_wrong_secret_get_one_answer(client: TestClient, crew: Crew) -> None:
    unknown = client.get(f"/api/positions/osmand/{crew.secret}?{FIX.format(device='999999')}")
    wrong = client.get(f"/api/positions/osmand/wrong?{FIX.format(device=crew.device_id)}")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    answers = []
    for device_id, secret in (("999999", crew.secret), (crew.device_id, "wrong")):
        with client.websocket_connect("/api/ops/ws/unit") as ws:
            ws.send_json({"type": "hello", "device_id": device_id, "secret": secret})
            answers.append(ws.receive_json())
    assert answers[0] == answers[1]
    assert "999999" not in str(answers[0])


def test_a_wrong_secret_is_401_whatever_the_body_holds(client: TestClient, crew: Crew) -> None:
    """Authenticate first (issue 19; issue 11 item 11): a bad body does not answer 400 to
    someone who has not proven to be the device."""
    basic = {"Authorization": "Basic " + base64.b64encode(b"123456:wrong").decode()}
    garbage = client.post("/api/positions/owntracks", content=b"{not json", headers=basic)
    assert garbage.status_code == 401
    bad_query = client.get(f"/api/positions/osmand/wrong?id={crew.device_id}&lat=north&lon=x")
    assert bad_query.status_code == 401
    # The right secret with the same bad input is a 400: the body is judged after the device.
    right = client.get(f"/api/positions/osmand/{crew.secret}?id={crew.device_id}&lat=north&lon=x")
    assert right.status_code == 400
