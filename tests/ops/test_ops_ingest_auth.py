"""Authentication first and at commit: what the cached device credentials must never allow."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from ops_helpers import Crew
from sqlalchemy import func, select
from tests.conftest import run_async

from pasienis.config import Settings
from pasienis.ops import service
from pasienis.ops.delivery.mqtt import _on_message
from pasienis.ops.flows import Ops
from pasienis.ops.models import positions
from pasienis.store import Store


def _count(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(positions)).scalar() or 0)


def _fix(client: TestClient, secret: str, k: int) -> int:
    at = int((datetime.now(UTC) - timedelta(hours=1)).timestamp()) + k
    query = f"id=123456&lat=54.{k:02d}&lon=25.3&timestamp={at}"
    return client.get(f"/api/positions/osmand/{secret}?{query}").status_code


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'{"location": 5}'], ids=["not-json", "list", "no-id"]
)
def test_a_wrong_secret_is_a_401_whatever_the_body(
    device_client: TestClient, crew: Crew, store: Store, body: bytes
) -> None:
    client = device_client
    wrong = client.post(
        "/api/positions/osmand/not-the-secret",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert wrong.status_code == 401, wrong.text
    right = client.post(
        f"/api/positions/osmand/{crew.secret}",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert right.status_code == 400, right.text  # authenticated by the secret: a bad fix
    assert _count(store) == 0


def test_a_rotation_elsewhere_beats_the_cache_at_commit(
    device_client: TestClient, crew: Crew, store: Store
) -> None:
    client = device_client
    assert _fix(client, crew.secret, 1) == 200  # now cached in this process
    with store.begin() as conn:  # another process (the CLI) rotates: no message reaches us
        fresh = service.rotate_secret(conn, device_id="123456")
    assert _fix(client, crew.secret, 2) == 401
    assert _fix(client, crew.secret, 3) == 401
    assert _fix(client, fresh, 4) == 200
    assert _count(store) == 2


def test_a_deactivation_elsewhere_beats_the_cache(
    device_client: TestClient, crew: Crew, store: Store
) -> None:
    client = device_client
    assert _fix(client, crew.secret, 1) == 200
    with store.begin() as conn:
        service.set_device_active(conn, device_id="123456", active=False)
    assert _fix(client, crew.secret, 2) == 401
    assert _count(store) == 1


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"_type":"location","lon":25.1,"tst":1732872000}', "bad_fix"),
        (b'{"_type":"location","lat":91,"lon":25.1,"tst":1732872000}', "bad_fix"),
        (b"not json", "not_json"),
        (b'"a string"', "not_json"),
    ],
    ids=["no-lat", "lat-91", "not-json", "not-object"],
)
def test_malformed_mqtt_messages_are_one_line_and_a_count(
    store: Store,
    base_settings: Settings,
    crew: Crew,
    caplog: pytest.LogCaptureFixture,
    payload: bytes,
    reason: str,
) -> None:
    ops = Ops(store=store, settings=base_settings)
    with caplog.at_level(logging.WARNING, logger="pasienis.ops.delivery.mqtt"):
        run_async(_on_message(ops, "owntracks/123456/phone", payload))
        run_async(
            _on_message(ops, "owntracks/nobody/phone", b'{"_type":"location","lat":1,"lon":1}')
        )
    assert ops.counters[f"mqtt.dropped.{reason}"] == 1
    assert ops.counters["mqtt.dropped.unknown_device"] == 1
    records = [r for r in caplog.records if r.name == "pasienis.ops.delivery.mqtt"]
    assert len(records) == 2
    assert all(r.exc_info is None for r in records), "a dropped message logged a traceback"
    assert _count(store) == 0
