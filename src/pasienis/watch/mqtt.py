"""Live plate reads over MQTT: ``pasienis/plates/<source_id>/reads`` (JSON read or list).

The broker authenticates each camera system (Mosquitto password file, ACL
``pasienis/plates/%u/#``), so the topic's source part is trusted as the source id, as the ops
bridge trusts OwnTracks topics; a read from an unknown or revoked source is dropped with a
warning. Reads are stored and screened exactly as over HTTP (:func:`.live.record_reads`).
"""

from __future__ import annotations

import asyncio
import json
import logging

from pydantic import TypeAdapter, ValidationError

from pasienis.config import mqtt_broker_args
from pasienis.store import Store
from pasienis.watch.cache import IndexCache
from pasienis.watch.live import record_reads
from pasienis.watch.schemas import PlateReadIn
from pasienis.watch.service import active_source

log = logging.getLogger(__name__)
RECONNECT_S = 3.0
_READS = TypeAdapter(list[PlateReadIn])


def source_of(topic: str) -> str | None:
    parts = topic.split("/")
    return parts[2] if len(parts) == 4 and parts[:2] == ["pasienis", "plates"] else None


def handle_message(store: Store, cache: IndexCache, topic: str, payload: bytes) -> list[dict]:
    """Store and screen the reads of one message; an invalid message is logged and dropped."""
    source_id = source_of(topic)
    if source_id is None:
        return []
    with store.read() as conn:
        source = active_source(conn, source_id=source_id)
    if source is None:
        log.warning("plate reads from unknown or revoked camera source %r dropped", source_id)
        return []
    try:
        data = json.loads(payload)
        reads = _READS.validate_python(data if isinstance(data, list) else [data])
    except (ValueError, ValidationError) as exc:
        log.warning("invalid plate read on %s dropped: %s", topic, str(exc)[:300])
        return []
    return record_reads(store, cache, source=source, reads=reads)


async def run_subscriber(store: Store, cache: IndexCache, *, url: str, topic: str) -> None:
    """Subscribe until cancelled, reconnecting when the broker goes away."""
    import aiomqtt

    while True:
        try:
            async with aiomqtt.Client(
                **mqtt_broker_args(url), identifier=f"pasienis-watch-{id(store)}"
            ) as client:
                await client.subscribe(topic, qos=1)
                async for message in client.messages:
                    try:
                        await asyncio.to_thread(
                            handle_message,
                            store,
                            cache,
                            str(message.topic),
                            bytes(message.payload or b""),
                        )
                    except Exception:
                        log.exception("plate read on %s could not be handled", message.topic)
        except aiomqtt.MqttError as exc:
            log.warning("MQTT plate reads disconnected (%s); retrying in %ss", exc, RECONNECT_S)
            await asyncio.sleep(RECONNECT_S)
