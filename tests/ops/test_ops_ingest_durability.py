"""A 200 means durable: kill -9 the server during sustained ingest, every answered fix is stored.

Clients send OsmAnd fixes (each with its own timestamp) as fast as the server takes them; the
server process is SIGKILLed in the middle. Every fix that was answered 200 must be in the store
afterwards — the group-commit writer answers only after its batch committed. Fixes that got no
answer may or may not be stored (their fate is unknown to the client, which sends them again).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from live_server import INGEST_CODE, SERVER_CODE, LiveServer
from sqlalchemy import select
from tests.conftest import run_async

from pasienis.config import Settings
from pasienis.ops import service
from pasienis.ops.models import positions
from pasienis.store import open_store, upgrade

DEVICES = 20
CLIENTS = 60


def _prepare(db: Path) -> None:
    store = open_store(Settings(database_url=f"sqlite:///{db}"))
    upgrade(store)
    with store.begin() as conn:
        for i in range(DEVICES):
            unit = service.add_unit(conn, call_sign=f"K{i:03d}")
            service.add_device(
                conn, device_id=f"k{i}", unit_ref=unit["call_sign"], secret=f"durable-secret-{i}"
            )
    store.dispose()


async def _client(
    n: int, url: str, t0: int, answered: set[tuple[str, int]], stop: asyncio.Event
) -> None:
    device, k = f"k{n % DEVICES}", 0
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        while not stop.is_set():
            ts = t0 + n * 100_000 + k  # unique per fix
            k += 1
            params = {"id": device, "timestamp": ts, "lat": 54.6 + k * 1e-5, "lon": 25.2}
            with contextlib.suppress(httpx.HTTPError):
                response = await client.get(
                    f"/api/positions/osmand/durable-secret-{n % DEVICES}", params=params
                )
                if response.status_code == 200:
                    answered.add((device, ts))


async def _ingest_and_kill(server: LiveServer, t0: int) -> set[tuple[str, int]]:
    answered: set[tuple[str, int]] = set()
    stop = asyncio.Event()
    clients = [
        asyncio.create_task(_client(n, server.url, t0, answered, stop)) for n in range(CLIENTS)
    ]
    started = time.monotonic()
    # Polling a set the clients fill; an Event per answer would not be simpler.
    while len(answered) < 300 and time.monotonic() - started < 60:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await asyncio.to_thread(server.kill)  # SIGKILL mid-stream: no shutdown, no flushing
    stop.set()
    await asyncio.gather(*clients)
    return answered


@pytest.mark.slow
@pytest.mark.parametrize("front", ["api", "ingest"])
def test_every_fix_answered_200_survives_kill_9(tmp_path: Path, front: str) -> None:
    """Through the main app's routes and through ``pasienis serve-ingest`` (the benchmarked
    path, collector tuned as the command does)."""
    db = tmp_path / "ingest.db"
    _prepare(db)
    server = LiveServer(
        data_dir=tmp_path,
        database_url=f"sqlite:///{db}",
        env={"PASIENIS_OPS_ESCALATION_INTERVAL_S": "3600"},
        code=SERVER_CODE if front == "api" else INGEST_CODE,
    )
    server.start()
    t0 = int((datetime.now(UTC) - timedelta(days=30)).timestamp())
    try:
        answered = run_async(_ingest_and_kill(server, t0))
    finally:
        server.stop()
    assert len(answered) >= 300, "the server answered too few fixes to test anything"
    store = open_store(Settings(database_url=f"sqlite:///{db}"))
    with store.read() as conn:
        rows = conn.execute(select(positions.c.device_id, positions.c.fixed_at)).all()
    store.dispose()
    kept = {(device, int(fixed_at.timestamp())) for device, fixed_at in rows}
    lost = answered - kept
    assert not lost, f"{len(lost)} of {len(answered)} fixes answered 200 are not stored"
