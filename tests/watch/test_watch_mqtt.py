"""Live plate reads through the real Mosquitto broker on 127.0.0.1:1883: good reads are stored
and screened, malformed messages and unknown cameras are dropped, nothing else is stored."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from sqlalchemy import select
from tests.conftest import run_async, service_missing

from pasienis.model.events import plate_reads
from pasienis.store import Store
from pasienis.watch import EntryCreate, IndexCache, add_entry, add_source, create_list
from pasienis.watch.models import watch_alerts
from pasienis.watch.mqtt import run_subscriber

BROKER = "mqtt://127.0.0.1:1883"


def _read(plate: str, read_id: str, **extra: object) -> dict:
    return {"plate": plate, "camera_id": "A1-01", "occurred_at": "2026-09-01T10:00:00Z",
            "lat": 54.6, "lon": 25.2, "read_id": read_id, **extra}  # fmt: skip


def test_reads_over_mqtt_are_stored_screened_or_dropped(sqlite_store: Store) -> None:
    aiomqtt = pytest.importorskip("aiomqtt")
    store = sqlite_store
    camera, stranger = f"cam-{uuid.uuid4().hex[:8]}", f"cam-{uuid.uuid4().hex[:8]}"
    with store.begin() as conn:
        create_list(conn, name="vehicles", dataset="intel", owner="ana")
        add_entry(conn, list_ref="vehicles", owner="ana", body=EntryCreate(
            kind="vehicle", identifiers=[{"type": "plate", "value": "KDL 482"}],
            reason="smuggling"))  # fmt: skip
        add_source(conn, source_id=camera, name="A1 gantry", dataset="anpr")
    ours, theirs = f"pasienis/plates/{camera}/reads", f"pasienis/plates/{stranger}/reads"
    bad = [
        b"{not json",
        json.dumps(_read("KDL482", "bad-1", occurred_at="2026-09-01T10:00:00")).encode(),  # naive
        json.dumps({"plate": "KDL482"}).encode(),  # no camera, no time
        json.dumps([_read("KDL482", "bad-2"), {"plate": ""}]).encode(),  # one bad spoils all
    ]
    good = json.dumps([_read("KDL4B2", "good-1"), _read("ABC123", "good-2")]).encode()

    async def scenario() -> list:
        subscriber = asyncio.create_task(
            run_subscriber(
                store, IndexCache(name_threshold=0.88), url=BROKER, topic="pasienis/plates/+/reads"
            )
        )
        try:
            async with aiomqtt.Client("127.0.0.1", 1883) as client:
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:  # publish until the subscriber is there
                    for payload in bad:
                        await client.publish(ours, payload, qos=1)
                    await client.publish(theirs, json.dumps(_read("KDL482", "x-1")), qos=1)
                    await client.publish(ours, good, qos=1)  # after the bad ones, in order
                    await asyncio.sleep(0.5)
                    with store.read() as conn:
                        rows = list(conn.execute(select(plate_reads)))
                    if len(rows) >= 2:
                        return rows
        except aiomqtt.MqttError as exc:
            service_missing("Mosquitto on 127.0.0.1:1883", exc)
        finally:
            subscriber.cancel()
        return []

    rows = run_async(scenario())
    assert rows, "no plate read arrived through the broker"
    assert sorted(r.plate_raw for r in rows) == ["ABC123", "KDL4B2"]  # resent: stored once
    assert {r.dataset for r in rows} == {"anpr"}
    assert all(r.locator.startswith(f"live:{camera}:good-") for r in rows)
    with store.read() as conn:
        alerts = list(conn.execute(select(watch_alerts)))
    assert [(a.record_dataset, a.evidence["record"]["plate_raw"]) for a in alerts] == [
        ("anpr", "KDL4B2")
    ]
    assert alerts[0].evidence["record"]["camera_id"] == "A1-01"
