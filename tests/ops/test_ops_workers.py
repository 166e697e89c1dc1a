"""Two real worker processes sharing one store and one Redis: what happens on A reaches B.

A task created through worker A reaches a device connected to worker B; positions posted to A
reach the dispatcher console on B; a secret rotated through A closes the device's socket on B
and is refused by B at once. The outbox watch and the sockets' periodic re-check are set to
an hour, so only the Redis relay can make these happen within the test's seconds.
"""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import websockets
from live_server import LiveServer
from ops_helpers import make_unit, person, service_missing
from tests.conftest import run_async

from pasienis.config import Settings
from pasienis.security import Role
from pasienis.store import open_store, upgrade

REDIS_URL = "redis://127.0.0.1:6379/0"
WAIT_S = 15.0


@pytest.fixture
def redis_up() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing("Redis", exc)


def _start_both(a: LiveServer, b: LiveServer) -> None:
    threads = [threading.Thread(target=s.start) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if not all(s.proc and s.proc.poll() is None for s in (a, b)):
        raise RuntimeError("a worker did not start")


async def _receive(ws: websockets.ClientConnection, kind: str) -> dict:
    """The next message of ``type`` ``kind`` (others are skipped)."""
    async with asyncio.timeout(WAIT_S):
        while True:
            message = json.loads(await ws.recv())
            if message.get("type") == kind:
                return message


async def _drain(ws: websockets.ClientConnection) -> None:
    """Read until the server closes the socket (or fail after ``WAIT_S``)."""
    async with asyncio.timeout(WAIT_S):
        while True:
            await ws.recv()


async def _scenario(a: LiveServer, b: LiveServer, secret: str, disp: dict, admin: dict) -> None:
    ws_b = b.url.replace("http", "ws")
    token = disp["Authorization"].removeprefix("Bearer ")
    async with (
        websockets.connect(f"{ws_b}/api/ops/ws/unit", ping_interval=None) as device,
        websockets.connect(
            f"{ws_b}/api/ops/ws/dispatch?access_token={token}", ping_interval=None
        ) as console,
        httpx.AsyncClient(timeout=20) as http,
    ):
        await device.send(json.dumps({"type": "hello", "device_id": "w-dev", "secret": secret}))
        assert (await _receive(device, "welcome"))["call_sign"] == "WRK-1"
        await _receive(console, "snapshot")
        await asyncio.sleep(1.0)  # both relays subscribed (they start with the lifespan)

        # A task created through A reaches the device connected to B.
        made = await http.post(
            f"{a.url}/api/tasks",
            headers=disp,
            json={
                "lat": 54.7,
                "lon": 25.3,
                "category": "check",
                "description": "two workers",
                "unit": "WRK-1",
            },
        )
        assert made.status_code in (200, 201), made.text
        message = await _receive(device, "message")
        assert message["task_id"] == made.json()["id"]

        # A position posted to A reaches the dispatcher console on B.
        at = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
        posted = await http.get(
            f"{a.url}/api/positions/osmand/{secret}",
            params={"id": "w-dev", "lat": 54.71, "lon": 25.31, "timestamp": at},
        )
        assert posted.status_code == 200, posted.text
        position = await _receive(console, "position")
        assert (position["call_sign"], position["lat"]) == ("WRK-1", 54.71)

        # B has the device's credential cached now; a rotation through A ends it on B.
        again = await http.get(
            f"{b.url}/api/positions/osmand/{secret}",
            params={"id": "w-dev", "lat": 54.72, "lon": 25.32, "timestamp": at + 10},
        )
        assert again.status_code == 200, again.text
        rotated = await http.post(f"{a.url}/api/ops/devices/w-dev/rotate", headers=admin)
        assert rotated.status_code == 200, rotated.text
        with pytest.raises(websockets.ConnectionClosed):  # B's socket closed by the relay
            await _drain(device)
        refused = await http.get(
            f"{b.url}/api/positions/osmand/{secret}",
            params={"id": "w-dev", "lat": 54.73, "lon": 25.33, "timestamp": at + 20},
        )
        assert refused.status_code == 401
        fresh = rotated.json()["secret"]
        accepted = await http.get(
            f"{b.url}/api/positions/osmand/{fresh}",
            params={"id": "w-dev", "lat": 54.74, "lon": 25.34, "timestamp": at + 30},
        )
        assert accepted.status_code == 200, accepted.text


@pytest.mark.slow
def test_two_workers_share_tasks_positions_and_revocations(tmp_path: Path, redis_up: None) -> None:
    db = tmp_path / "workers.db"
    url = f"sqlite:///{db}"
    store = open_store(Settings(database_url=url))
    upgrade(store)
    _unit, secret = make_unit(store, "WRK-1", "w-dev")
    disp = person(store, "disp", Role.dispatcher)
    admin = person(store, "admin", Role.administrator)
    store.dispose()
    env = {
        "PASIENIS_OPS_REDIS_URL": REDIS_URL,
        "PASIENIS_OPS_DELIVERY_POLL_S": "3600",  # only the relay can wake B's device
        "PASIENIS_WS_RECHECK_SECONDS": "3600",  # only the relay can close B's socket
        "PASIENIS_OPS_ESCALATION_INTERVAL_S": "3600",
    }
    a = LiveServer(data_dir=tmp_path, database_url=url, env=env)
    b = LiveServer(data_dir=tmp_path, database_url=url, env=env)
    b.log = tmp_path / "server-b.log"
    try:
        _start_both(a, b)
        run_async(_scenario(a, b, secret, disp, admin))
    finally:
        a.stop()
        b.stop()
