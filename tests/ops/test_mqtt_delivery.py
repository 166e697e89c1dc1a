"""Delivery to a unit over MQTT through the real broker: at-least-once, acknowledged, in order."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from ops_helpers import make_unit, service_missing
from sqlalchemy import select
from tests.conftest import run_async

from pasienis.config import Settings
from pasienis.ops.delivery.mqtt import run_bridge
from pasienis.ops.flows import Ops, create
from pasienis.ops.models import outbox
from pasienis.ops.schemas import TaskCreate
from pasienis.store import Store


def test_tasks_reach_the_unit_over_mqtt_and_the_ack_is_recorded(
    sqlite_store: Store, base_settings: Settings
) -> None:
    aiomqtt = pytest.importorskip("aiomqtt")
    call_sign = f"M{uuid.uuid4().hex[:6].upper()}"
    make_unit(sqlite_store, call_sign, f"dev{uuid.uuid4().hex[:8]}")
    settings = base_settings.model_copy(
        update={"ops_delivery_retry_s": 1.0, "ops_delivery_poll_s": 0.2}
    )
    ops = Ops(store=sqlite_store, settings=settings)
    texts = ["first: stop LT KLM 482", "second: check BY 1234 AB-7"]
    for text in texts:
        task = TaskCreate(lat=54.64, lon=25.74, category="vehicle_stop", description=text,
                          unit=call_sign)  # fmt: skip
        create(ops, data=task, actor="user:disp")

    async def phone() -> list[dict]:
        ops.hub.bind(asyncio.get_running_loop())
        bridge = asyncio.create_task(run_bridge(ops, url="mqtt://127.0.0.1:1883"))
        received: list[dict] = []
        try:
            async with aiomqtt.Client("127.0.0.1", 1883) as client:
                await client.subscribe(f"pasienis/units/{call_sign}/messages", qos=1)
                async with asyncio.timeout(20):
                    async for message in client.messages:
                        body = json.loads(message.payload)
                        if body["seq"] not in {m["seq"] for m in received}:
                            received.append(body)  # re-sent copies are ignored: idempotent
                        await client.publish(f"pasienis/units/{call_sign}/ack",
                                             json.dumps({"seq": body["seq"]}), qos=1)  # fmt: skip
                        if len(received) >= len(texts):
                            break
                    while not _all_acked(sqlite_store):  # noqa: ASYNC110 - polls the store, not an event
                        await asyncio.sleep(0.2)
        except aiomqtt.MqttError as exc:
            service_missing("Mosquitto on 127.0.0.1:1883", exc)
        finally:
            bridge.cancel()
        return received

    received = run_async(phone())
    assert [m["seq"] for m in received] == sorted(m["seq"] for m in received), "in order"
    described = [m.get("description") or m.get("task", {}).get("description") for m in received]
    assert [d for d in described if d in texts] == texts
    assert _all_acked(sqlite_store), "the device's acks reached the outbox"


def _all_acked(store: Store) -> bool:
    with store.read() as conn:
        rows = conn.execute(select(outbox.c.acked_at)).all()
    return bool(rows) and all(r.acked_at is not None for r in rows)
