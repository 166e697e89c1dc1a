"""The MQTT bridge: OwnTracks positions in, the units' outbox out (aiomqtt, in the lifespan).

In: ``owntracks/<device_id>/<name>`` (``_type: location``) and ``.../event`` (transitions).
The broker authenticates the phone (Mosquitto password file, ACL ``owntracks/%u/#``), so the
topic's user part is trusted as the device id; unknown or inactive devices are dropped.
Out: each outbox message is published (QoS 1) on ``pasienis/units/<CALLSIGN>/messages``; the
device acknowledges on ``pasienis/units/<CALLSIGN>/ack`` with ``{"seq": N}``. Un-acked messages
are published again every retry interval — the same at-least-once contract as the WebSocket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from sqlalchemy import func, select

from pasienis.config import mqtt_broker_args
from pasienis.ops.delivery.outbox import pending
from pasienis.ops.errors import OpsError
from pasienis.ops.flows import Ops, device_ack
from pasienis.ops.models import devices, outbox, units
from pasienis.ops.positions import accept_authenticated
from pasienis.ops.protocols.owntracks import parse_location, parse_transition, topic_device
from pasienis.ops.quality import FixRules

log = logging.getLogger(__name__)
RECONNECT_S = 3.0


def handle_owntracks(ops: Ops, topic: str, payload: bytes) -> dict[str, Any] | None:
    """Store one OwnTracks MQTT message; returns the stored fix (or ``None`` if ignored)."""
    where = topic_device(topic)
    if where is None or not payload:
        return None
    user, _name, is_event = where
    try:
        message = json.loads(payload)
    except ValueError:
        _dropped(ops, "not_json", topic, "not JSON")
        return None
    if not isinstance(message, dict):
        _dropped(ops, "not_json", topic, "not a JSON object")
        return None
    with ops.store.read() as conn:
        device = conn.execute(select(devices).where(devices.c.id == user)).mappings().first()
    if device is None or not device["active"]:
        _dropped(ops, "unknown_device", topic, f"unknown or inactive device {user!r}")
        return None
    if is_event or message.get("_type") == "transition":
        ops.hub.publish(
            {"type": "transition", "device_id": user, **_jsonable(parse_transition(message))}
        )
        return None
    if message.get("_type") != "location":
        return None
    fix = parse_location(message, device_id=user, source="owntracks-mqtt")
    return accept_authenticated(
        ops.store,
        fix=fix,
        device=dict(device),
        rules=FixRules.from_settings(ops.settings),
        hub=ops.hub,
    )


def _dropped(ops: Ops, reason: str, topic: str, detail: str) -> None:
    """One log line and one counter per dropped message; never a traceback."""
    ops.counters[f"mqtt.dropped.{reason}"] += 1
    log.warning("MQTT message on %s dropped: %s", topic, detail)


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in d.items()}


def _unacked(ops: Ops) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Per unit with un-acked messages: its call sign and the messages from the first one."""
    with ops.store.read() as conn:
        rows = conn.execute(
            select(outbox.c.unit_id, units.c.call_sign, func.min(outbox.c.seq))
            .join(units, units.c.id == outbox.c.unit_id)
            .where(outbox.c.acked_at.is_(None))
            .group_by(outbox.c.unit_id, units.c.call_sign)
        ).all()
        return {
            unit_id: (call_sign, pending(conn, unit_id=unit_id, after_seq=first - 1))
            for unit_id, call_sign, first in rows
        }


async def run_bridge(ops: Ops, *, url: str) -> None:
    """Run the bridge until cancelled, reconnecting to the broker when it goes away."""
    import aiomqtt

    while True:
        try:
            async with aiomqtt.Client(
                **mqtt_broker_args(url), identifier=f"pasienis-{id(ops)}"
            ) as client:
                await client.subscribe("owntracks/+/+", qos=1)
                await client.subscribe("owntracks/+/+/event", qos=1)
                await client.subscribe("pasienis/units/+/ack", qos=1)
                publisher = asyncio.create_task(_publish_loop(ops, client))
                try:
                    async for message in client.messages:
                        await _on_message(ops, str(message.topic), bytes(message.payload or b""))
                finally:
                    publisher.cancel()
        except aiomqtt.MqttError as exc:
            log.warning("MQTT bridge disconnected (%s); retrying in %ss", exc, RECONNECT_S)
            await asyncio.sleep(RECONNECT_S)


async def _on_message(ops: Ops, topic: str, payload: bytes) -> None:
    try:
        if topic.startswith("pasienis/units/") and topic.endswith("/ack"):
            await _on_ack(ops, topic.split("/")[2], payload)
        else:
            await asyncio.to_thread(handle_owntracks, ops, topic, payload)
    except OpsError as exc:  # a bad fix (lat 91, no lat...): the sender's fault, not ours
        _dropped(ops, "bad_fix", topic, exc.message)
    except Exception:
        log.exception("MQTT message on %s could not be handled", topic)


async def _on_ack(ops: Ops, call_sign: str, payload: bytes) -> None:
    try:
        message = json.loads(payload)
    except ValueError:
        _dropped(ops, "bad_ack", f"pasienis/units/{call_sign}/ack", "not JSON")
        return
    seq = message.get("seq") if isinstance(message, dict) else None
    if not isinstance(seq, int) or isinstance(seq, bool):
        _dropped(ops, "bad_ack", f"pasienis/units/{call_sign}/ack", "no integer seq")
        return
    with ops.store.read() as conn:
        unit_id = conn.execute(
            select(units.c.id).where(units.c.call_sign == call_sign.upper())
        ).scalar()
    if unit_id:
        await asyncio.to_thread(device_ack, ops, unit_id=unit_id, upto_seq=seq)


async def _publish_loop(ops: Ops, client: Any) -> None:
    sent_at: dict[tuple[str, int], float] = {}
    while True:
        now = time.monotonic()
        for _unit_id, (call_sign, messages) in (await asyncio.to_thread(_unacked, ops)).items():
            for message in messages:
                key = (call_sign, message["seq"])
                if now - sent_at.get(key, -1e9) < ops.settings.ops_delivery_retry_s:
                    continue
                await client.publish(
                    f"pasienis/units/{call_sign}/messages", json.dumps(message), qos=1
                )
                sent_at[key] = now
        await asyncio.sleep(ops.settings.ops_delivery_poll_s)
