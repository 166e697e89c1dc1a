"""What ops runs inside the server's lifespan: the escalation loop and the MQTT bridge.

``create_app`` enters :func:`ops_running` in its lifespan; everything started here is cancelled
on shutdown. ``alert.raised`` on the bus becomes a task through :func:`flows.on_alert_raised`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import select

from pasienis.ops.delivery.mqtt import run_bridge
from pasienis.ops.delivery.relay import CHANNEL, Relay
from pasienis.ops.escalation import escalation_loop
from pasienis.ops.flows import Ops, on_alert_raised
from pasienis.ops.models import units

log = logging.getLogger(__name__)


@asynccontextmanager
async def ops_running(ops: Ops) -> AsyncIterator[Ops]:
    """Bind the hub to this loop, subscribe to alerts, start the background loops."""
    ops.hub.bind(asyncio.get_running_loop())
    ops.writer.start()
    settings = ops.settings
    unsubscribe = ops.bus.subscribe("alert.raised", on_alert_raised(ops)) if ops.bus else None
    loops = [
        asyncio.create_task(
            escalation_loop(
                ops.store,
                hub=ops.hub,
                bus=ops.bus,
                interval_s=settings.ops_escalation_interval_s,
                timeout=timedelta(minutes=settings.ops_ack_timeout_minutes),
                reassign=settings.ops_escalation_reassign,
                speeds=ops.speeds,
            ),
            name="ops-escalation",
        )
    ]
    loops.append(asyncio.create_task(outbox_watch(ops), name="ops-outbox-watch"))
    if settings.ops_redis_url:
        loops.append(asyncio.create_task(_relay(ops, settings.ops_redis_url), name="ops-relay"))
    if settings.ops_mqtt_enabled:
        loops.append(
            asyncio.create_task(run_bridge(ops, url=settings.ops_mqtt_url), name="ops-mqtt")
        )
    try:
        yield ops
    finally:
        for task in loops:
            task.cancel()
        for task in loops:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await ops.writer.stop()
        if unsubscribe:
            unsubscribe()


@asynccontextmanager
async def ingest_running(ops: Ops) -> AsyncIterator[Ops]:
    """What a position-ingest-only process runs: the writer and, when configured, the relay.

    No escalation loop, outbox watch, MQTT bridge or alert subscription: those belong to the
    API process (running them twice would escalate twice). Through the relay the ingest
    process announces stored positions to the dispatchers of the other workers and hears of
    rotated or deactivated device secrets (its auth cache forgets them at once; the store
    checks the credential generation in every batch anyway).
    """
    ops.hub.bind(asyncio.get_running_loop())
    ops.writer.start()
    relay = None
    if ops.settings.ops_redis_url:
        relay = asyncio.create_task(_relay(ops, ops.settings.ops_redis_url), name="ops-relay")
    try:
        yield ops
    finally:
        if relay is not None:
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await relay
        await ops.writer.stop()


async def _relay(ops: Ops, url: str) -> None:
    """Share wake-ups, dispatcher events and revocations with the other workers."""
    # One channel per database: deployments (and test runs) sharing a Redis never mix.
    database = ops.settings.resolved_database_url().encode()
    relay = Relay(url, channel=f"{CHANNEL}:{hashlib.sha256(database).hexdigest()[:16]}")
    relay.on("wake", lambda units: [ops.hub.wake_local(u) for u in units])
    relay.on("dispatch", ops.hub.publish_many_local)
    relay.on("revoke", ops.revoked_elsewhere)
    ops.hub.relay = relay
    try:
        await relay.run()
    finally:
        ops.hub.relay = None


def _heads(ops: Ops) -> dict[str, int]:
    with ops.store.read() as conn:
        return dict(conn.execute(select(units.c.id, units.c.outbox_seq)).all())  # type: ignore[arg-type]


async def outbox_watch(ops: Ops) -> None:
    """Wake connected units whose outbox grew — written by another process (CLI, a second
    server). One query per interval for all units, instead of one poll per connection."""
    known: dict[str, int] = {}
    while True:
        await asyncio.sleep(ops.settings.ops_delivery_poll_s)
        connected = ops.hub.connected_units()
        if not connected:
            continue
        try:
            heads = await asyncio.to_thread(_heads, ops)
        except Exception:
            log.exception("outbox watch failed; retrying next interval")
            continue
        for unit_id in connected:
            head = heads.get(unit_id)
            if head is not None and known.get(unit_id) != head:
                known[unit_id] = head
                ops.hub.wake(unit_id)
