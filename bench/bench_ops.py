"""Benchmark: position ingest over HTTP and task delivery over WebSockets, real server process.

1. Ingest: 1,000 simulated Traccar Client devices send OsmAnd GET requests to a real uvicorn
   process (one worker, SQLite file); prints positions/s and p50/p99 latency. Reference in the
   same run: a bare FastAPI app whose handler only parses the same request (no auth, no store);
   the ratio ours/bare is our overhead.
2. Delivery: 1,000 devices connected over WebSockets; tasks are created over the API (one per
   unit) and the time from the POST to the device receiving the message is measured (p50/p99).

Run: ``python bench/bench_ops.py [--devices 1000] [--fixes 5] [--concurrency 64]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import httpx
import websockets

from pasienis.config import Settings
from pasienis.model import install_model
from pasienis.ops import service
from pasienis.security import Role
from pasienis.security.credentials import create_token
from pasienis.security.users import create_user
from pasienis.store import open_store, upgrade

SECRET = "bench-secret"  # noqa: S105 - a throw-away secret of the benchmark devices
OURS = (
    "import uvicorn\nfrom pasienis.api import create_app\n"
    "uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_level='warning',"
    " timeout_keep_alive=60)\n"
)
BARE = (
    "import uvicorn\nfrom fastapi import FastAPI, Request\napp = FastAPI()\n"
    "@app.get('/api/positions/osmand/{{key}}')\n"
    "async def osmand(key: str, request: Request):\n"
    "    q = request.query_params\n"
    "    fix = {{k: float(q[k]) for k in ('lat', 'lon', 'speed', 'bearing', 'timestamp')}}\n"
    "    return None\n"
    "uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning',"
    " timeout_keep_alive=60)\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(code: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code.format(port=port)], env={**os.environ, **env}
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/docs", timeout=1):  # noqa: S310 - local server
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def prepare(db: Path, n: int) -> str:
    """Units + devices (cheap argon2 hash) and a dispatcher token; returns the token."""
    store = open_store(Settings(database_url=f"sqlite:///{db}"))
    upgrade(store)
    with store.begin() as conn:
        for i in range(n):
            unit = service.add_unit(conn, call_sign=f"B{i:04d}")
            service.add_device(
                conn, device_id=f"d{i:04d}", unit_ref=unit["call_sign"], secret=SECRET
            )
        user = create_user(conn, name="bench-dispatcher", roles=[Role.dispatcher])
        token = create_token(conn, user_id=user.id).secret
    store.dispose()
    return token


async def ingest(url: str, n_devices: int, fixes: int, concurrency: int) -> dict[str, float]:
    """Every device sends ``fixes`` positions; returns positions/s and latency percentiles."""
    t0 = int(datetime.now(UTC).timestamp()) - 3600
    jobs = [(d, k) for k in range(fixes) for d in range(n_devices)]
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            d, k = queue.get_nowait()
            path = (
                f"/api/positions/osmand/{SECRET}?id=d{d:04d}&timestamp={t0 + k * 10}"
                f"&lat={54.6 + d * 1e-4 + k * 1e-5}&lon=25.28&speed=27.0&bearing=90.0"
                "&altitude=120.0&accuracy=8.0&batt=87.0"
            )
            start_t = time.perf_counter()
            try:
                response = await client.get(path)
            except httpx.TransportError:
                errors += 1  # counted, not retried: a dropped request is part of the result
                continue
            latencies.append(time.perf_counter() - start_t)
            errors += response.status_code != 200

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rate": len(jobs) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "errors": errors,
        "n": len(jobs),
    }


async def delivery(url: str, token: str, n_devices: int, concurrency: int) -> dict[str, float]:
    """1,000 connected devices; one task per unit over the API; POST-to-receive latency."""
    ws_url = url.replace("http", "ws") + "/api/ops/ws/unit"
    sent_at: dict[str, float] = {}
    got_at: dict[str, float] = {}
    ready = asyncio.Event()
    connected = 0
    done = asyncio.Event()

    async def device(i: int) -> None:
        nonlocal connected
        async with websockets.connect(ws_url, ping_interval=None, open_timeout=60) as ws:
            await ws.send(
                json.dumps(
                    {"type": "hello", "device_id": f"d{i:04d}", "secret": SECRET, "last_seq": 0}
                )
            )
            json.loads(await ws.recv())
            connected += 1
            if connected == n_devices:
                ready.set()
            while not done.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
                except TimeoutError:
                    continue
                got_at.setdefault(message["task_id"], time.perf_counter())
                await ws.send(json.dumps({"type": "ack", "seq": message["seq"]}))

    devices_running = [asyncio.create_task(device(i)) for i in range(n_devices)]
    await asyncio.wait_for(ready.wait(), 120)
    headers = {"Authorization": f"Bearer {token}"}
    semaphore = asyncio.Semaphore(concurrency)

    async def dispatch(client: httpx.AsyncClient, i: int) -> None:
        async with semaphore:
            began = time.perf_counter()
            response = await client.post(
                "/api/tasks",
                headers=headers,
                json={
                    "lat": 54.7,
                    "lon": 25.3,
                    "category": "bench",
                    "description": f"t{i}",
                    "unit": f"B{i:04d}",
                },
            )
            sent_at[response.json()["id"]] = began

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await asyncio.gather(*(dispatch(client, i) for i in range(n_devices)))
    deadline = time.monotonic() + 60
    # Polling two dicts the devices fill; an Event per task would not be simpler.
    while len(got_at.keys() & sent_at.keys()) < len(sent_at) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    done.set()
    await asyncio.gather(*devices_running, return_exceptions=True)
    lat = sorted(got_at[t] - sent_at[t] for t in sent_at if t in got_at)
    return {
        "p50_ms": 1000 * statistics.median(lat),
        "p99_ms": 1000 * lat[int(0.99 * (len(lat) - 1))],
        "delivered": len(lat),
        "sent": len(sent_at),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--fixes", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=64)
    args, _ = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        install_model(Settings(data_dir=Path(tmp)))
        token = prepare(db, args.devices)
        env = {
            "PASIENIS_DATA_DIR": tmp,
            "PASIENIS_DATABASE_URL": f"sqlite:///{db}",
            "PASIENIS_OPS_ESCALATION_INTERVAL_S": "3600",
        }
        ours, url = start(OURS, env)
        try:
            got = asyncio.run(ingest(url, args.devices, args.fixes, args.concurrency))
            deliv = asyncio.run(delivery(url, token, args.devices, args.concurrency))
        finally:
            ours.send_signal(signal.SIGTERM)
            ours.wait()
        bare, bare_url = start(BARE, env)
        try:  # twice, best kept: the reference should not lose to a cold start or noise
            ref = max(
                (
                    asyncio.run(ingest(bare_url, args.devices, args.fixes, args.concurrency))
                    for _ in range(2)
                ),
                key=lambda r: r["rate"],
            )
        finally:
            bare.send_signal(signal.SIGTERM)
            bare.wait()
    print(
        f"ingest (ours): {got['n']} fixes from {args.devices} devices, "
        f"{got['rate']:.0f} positions/s, p50 {got['p50_ms']:.1f} ms, "
        f"p99 {got['p99_ms']:.1f} ms, errors {got['errors']}"
    )
    print(f"ingest (bare FastAPI parse-only): {ref['rate']:.0f} req/s, p99 {ref['p99_ms']:.1f} ms")
    print(f"ratio ours/bare throughput: {got['rate'] / ref['rate']:.2f}")
    print(
        f"delivery to {args.devices} WebSocket clients: {deliv['delivered']}/{deliv['sent']} "
        f"delivered, p50 {deliv['p50_ms']:.1f} ms, p99 {deliv['p99_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
