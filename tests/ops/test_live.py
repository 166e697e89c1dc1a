"""WebSocket delivery in-process, the dispatcher feed, and OwnTracks over the real broker."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from ops_helpers import Crew, make_unit, service_missing
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect
from tests.conftest import run_async

from pasienis.config import Settings
from pasienis.ops.delivery.mqtt import handle_owntracks, run_bridge
from pasienis.ops.flows import Ops
from pasienis.ops.models import positions
from pasienis.store import Store


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    """SQLite only: WebSocket sessions use the store from several threads at once, which the
    PostgreSQL fixture's single pinned (rolled-back) connection cannot do. PostgreSQL delivery
    logic is covered by the task tests; the server-process fault test runs on a file."""
    return sqlite_store


TASK = {"lat": 54.6872, "lon": 25.2797, "category": "inspection", "description": "go"}


def hello(ws, crew: Crew, last_seq: int = 0) -> dict:
    ws.send_json(
        {"type": "hello", "device_id": crew.device_id, "secret": crew.secret, "last_seq": last_seq}
    )
    return ws.receive_json()


def statuses_after_acks(
    client: TestClient, crew: Crew, ids: list[str], expected: list[str], timeout: float = 20.0
) -> list[str]:
    """The tasks' statuses once they are ``expected`` or ``timeout`` has passed (then the
    caller's assertion shows what they were)."""
    deadline = time.monotonic() + timeout
    while True:
        statuses = [
            client.get(f"/api/tasks/{i}", headers=crew.dispatcher).json()["status"] for i in ids
        ]
        if statuses == expected or time.monotonic() > deadline:
            return statuses
        time.sleep(0.02)


def test_device_gets_missed_messages_in_order_on_reconnect(client: TestClient, crew: Crew) -> None:
    ids = [
        client.post("/api/tasks", json={**TASK, "unit": "ALFA-1"}, headers=crew.dispatcher).json()[
            "id"
        ]
        for _ in range(3)
    ]
    with client.websocket_connect("/api/ops/ws/unit") as ws:
        welcome = hello(ws, crew)
        assert (welcome["type"], welcome["last_seq"]) == ("welcome", 3)
        got = [ws.receive_json() for _ in range(3)]
        assert [m["seq"] for m in got] == [1, 2, 3]
        assert [m["task_id"] for m in got] == ids
        assert got[0]["task"]["description"] == "go"
        ws.send_json({"type": "ack", "seq": 1})  # processed only the first one
    cancel = client.post(
        f"/api/tasks/{ids[0]}/status",
        headers=crew.dispatcher,
        json={"status": "cancelled", "reason": "duplicate"},
    )
    assert cancel.status_code == 200
    with client.websocket_connect("/api/ops/ws/unit") as ws:
        hello(ws, crew, last_seq=1)
        again = [ws.receive_json() for _ in range(3)]
        assert [m["seq"] for m in again] == [2, 3, 4]  # 2 and 3 again, then the withdrawal
        assert again[2]["kind"] == "task.withdrawn"
        assert again[2]["task_id"] == ids[0]
        ws.send_json({"type": "ack", "seq": 4})
        ws.send_json({"type": "ack", "seq": 4})  # repeated acks change nothing
        # Acks are applied as the server reads them. Leaving this block cancels the app at
        # once (Starlette's test client; a real server delivers the close after the acks),
        # so the test waits for them to take effect before it closes.
        statuses = statuses_after_acks(client, crew, ids, ["cancelled", "delivered", "delivered"])
    # ids[0] was cancelled; the others were delivered exactly once each.
    assert statuses == ["cancelled", "delivered", "delivered"]
    for task_id in ids[1:]:
        events = client.get(f"/api/tasks/{task_id}/events", headers=crew.dispatcher).json()
        assert [e["to_status"] for e in events].count("delivered") == 1


@pytest.mark.parametrize(
    "first",
    [
        {"type": "hello", "device_id": "123456", "secret": "wrong"},
        {"type": "hello", "device_id": "nobody", "secret": "x"},
        {"type": "ack", "seq": 1},
    ],
)
def test_device_channel_refuses_bad_hello(client: TestClient, crew: Crew, first: dict) -> None:
    with client.websocket_connect("/api/ops/ws/unit") as ws:
        ws.send_json(first)
        assert ws.receive_json()["type"] == "error"
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()


def test_dispatcher_feed_needs_a_dispatcher(client: TestClient, crew: Crew) -> None:
    for headers in ({}, crew.officer):
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect("/api/ops/ws/dispatch", headers=headers) as ws,
        ):
            ws.receive_json()
    with client.websocket_connect("/api/ops/ws/dispatch", headers=crew.dispatcher) as feed:
        snap = feed.receive_json()
        assert {u["call_sign"] for u in snap["units"]} == {"ALFA-1", "BRAVO-2"}
        task = client.post(
            "/api/tasks", json={**TASK, "unit": "BRAVO-2"}, headers=crew.dispatcher
        ).json()
        seen = [feed.receive_json() for _ in range(2)]
    assert [(e["type"], e["status"]) for e in seen] == [("task", "created"), ("task", "assigned")]
    assert all(e["task_id"] == task["id"] for e in seen)


def test_owntracks_mqtt_through_the_real_broker(
    sqlite_store: Store, base_settings: Settings
) -> None:
    aiomqtt = pytest.importorskip("aiomqtt")
    device_id = f"ot{uuid.uuid4().hex[:8]}"
    _unit, _secret = make_unit(sqlite_store, "MQTT-1", device_id)
    ops = Ops(store=sqlite_store, settings=base_settings)
    payload = {
        "_type": "location",
        "tid": "M1",
        "lat": 54.9,
        "lon": 23.9,
        "tst": 1732872000,
        "acc": 9,
        "alt": 80,
        "vel": 72,
        "cog": 180,
        "batt": 40,
        "bs": 1,
        "t": "p",
        "conn": "w",
    }

    async def scenario() -> list[dict]:
        ops.hub.bind(asyncio.get_running_loop())
        bridge = asyncio.create_task(run_bridge(ops, url="mqtt://127.0.0.1:1883"))
        try:
            async with aiomqtt.Client("127.0.0.1", 1883) as phone:
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:  # publish until the bridge has subscribed
                    await phone.publish(f"owntracks/{device_id}/pixel", json.dumps(payload), qos=1)
                    # An unknown device on the same broker is dropped, never stored.
                    await phone.publish("owntracks/stranger/pixel", json.dumps(payload), qos=1)
                    await asyncio.sleep(0.5)
                    with sqlite_store.read() as conn:
                        rows = [dict(r) for r in conn.execute(select(positions)).mappings()]
                    if rows:
                        return rows
        except aiomqtt.MqttError as exc:
            service_missing("Mosquitto on 127.0.0.1:1883", exc)
        finally:
            bridge.cancel()
        return []

    rows = run_async(scenario())
    assert rows, "the OwnTracks message never arrived through the broker"
    assert {r["device_id"] for r in rows} == {device_id}
    fix = rows[0]
    assert fix["source"] == "owntracks-mqtt"
    assert fix["fixed_at"] == datetime.fromtimestamp(1732872000, UTC)
    assert fix["speed_mps"] == pytest.approx(20.0)  # 72 km/h
    assert (fix["heading_deg"], fix["accuracy_m"], fix["battery_pct"]) == (180.0, 9.0, 40.0)
    assert fix["charging"] is False  # bs=1 unplugged
    assert fix["flags"] in ("", "duplicate")


def test_owntracks_mqtt_handler_ignores_what_is_not_a_location(
    store: Store, base_settings: Settings
) -> None:
    make_unit(store, "MQTT-2", "otdev")
    ops = Ops(store=store, settings=base_settings)
    assert handle_owntracks(ops, "owntracks/otdev/phone", b"") is None
    assert handle_owntracks(ops, "owntracks/otdev/phone", b"not json") is None
    assert (
        handle_owntracks(
            ops,
            "owntracks/otdev/phone/event",
            b'{"_type":"transition","event":"enter","desc":"BCP",'
            b'"tst":1732872000,"lat":54,"lon":25}',
        )
        is None
    )
    assert handle_owntracks(ops, "owntracks/otdev/phone", b'{"_type":"lwt"}') is None
    assert handle_owntracks(ops, "other/otdev/phone", b'{"_type":"location"}') is None
    stored = handle_owntracks(
        ops, "owntracks/otdev/phone", b'{"_type":"location","lat":54.1,"lon":25.1,"tst":1732872000}'
    )
    assert stored is not None
    assert stored["unit_id"]
