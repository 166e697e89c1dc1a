"""No task is lost: 200 units on real WebSockets, 1,000 tasks, a server SIGKILLed twice.

The server is a real uvicorn process on an SQLite file. Tasks are dispatched from this process
straight into the store (as a second server process or the CLI would), while the server is up
and while it is dead; units drop and re-connect at random. In the end every task was processed
exactly once by its unit, in sequence order, and every task is ``delivered`` exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
import websockets
from live_server import LiveServer
from sqlalchemy import func, select
from tests.conftest import run_async
from websockets.exceptions import WebSocketException

from pasienis.config import Settings
from pasienis.ops import service
from pasienis.ops.flows import Ops, create
from pasienis.ops.models import devices, outbox, task_events, tasks
from pasienis.ops.schemas import TaskCreate
from pasienis.store import Store, open_store, upgrade

UNITS = 200
TASKS = 1000
SECRET = "fault-test-secret"
#: How long delivery may take to drain once the last task is dispatched (dispatching itself
#: takes as long as the machine needs: on a loaded machine, far more than on a quiet one).
DRAIN_S = 75.0


class Device:
    """A field app: remembers the last sequence it processed, ignores repeats, acks."""

    def __init__(self, index: int, url: str) -> None:
        self.device_id = f"dev-{index:03d}"
        self.url = url
        self.last_seq = 0
        self.processed: list[tuple[int, str]] = []  # (seq, task id), in processing order
        self.gaps: list[tuple[int, int]] = []
        self.connects = 0

    async def session(self, rng: random.Random) -> None:
        async with websockets.connect(self.url, open_timeout=5, ping_interval=None) as ws:
            await ws.send(
                json.dumps(
                    {
                        "type": "hello",
                        "device_id": self.device_id,
                        "secret": SECRET,
                        "last_seq": self.last_seq,
                    }
                )
            )
            welcome = json.loads(await ws.recv())
            assert welcome["type"] == "welcome", welcome
            self.connects += 1
            stay = rng.uniform(0.5, 6.0)  # then drop the connection, as a phone does
            end = time.monotonic() + stay
            while (left := end - time.monotonic()) > 0:
                try:
                    raw = await asyncio.wait_for(ws.recv(), left)
                except TimeoutError:
                    break
                self.receive(json.loads(raw))
                await ws.send(json.dumps({"type": "ack", "seq": self.last_seq}))

    def receive(self, message: dict) -> None:
        seq = message["seq"]
        if seq <= self.last_seq:
            return  # a re-send of something already processed: idempotent
        if seq != self.last_seq + 1:
            self.gaps.append((self.last_seq, seq))
        self.last_seq = seq
        if message["kind"] == "task.assigned":
            self.processed.append((seq, message["task_id"]))

    async def run(self, stop: asyncio.Event, seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            # Server dead or connection dropped: try again shortly.
            with contextlib.suppress(OSError, WebSocketException):
                await self.session(rng)
            await asyncio.sleep(rng.uniform(0.05, 0.6))


def _prepare(path: Path) -> tuple[Store, list[str]]:
    store = open_store(Settings(database_url=f"sqlite:///{path}"))
    upgrade(store)
    signs = []
    with store.begin() as conn:
        for i in range(UNITS):
            unit = service.add_unit(conn, call_sign=f"U{i:03d}")
            service.add_device(
                conn, device_id=f"dev-{i:03d}", unit_ref=unit["call_sign"], secret=SECRET
            )
            signs.append(unit["call_sign"])
    return store, signs


def _dispatch(ops: Ops, signs: list[str], order: list[str], done: threading.Event) -> None:
    rng = random.Random(7)
    for n in range(TASKS):
        sign = rng.choice(signs)
        task = create(
            ops,
            data=TaskCreate(
                lat=54.6 + n * 1e-4, lon=25.2, category="check", description=f"task {n}", unit=sign
            ),
            actor="user:fault-test",
        )
        order.append(task["id"])
        time.sleep(0.008)
    done.set()


@pytest.mark.slow
def test_every_task_delivered_once_in_order_through_kills(tmp_path: Path) -> None:
    db = tmp_path / "ops.db"
    store, signs = _prepare(db)
    server = LiveServer(
        data_dir=tmp_path,
        database_url=f"sqlite:///{db}",
        env={
            "PASIENIS_OPS_DELIVERY_RETRY_S": "2",
            "PASIENIS_OPS_DELIVERY_POLL_S": "0.3",
            "PASIENIS_OPS_ESCALATION_REASSIGN": "false",
            "PASIENIS_OPS_ACK_TIMEOUT_MINUTES": "600",
        },
    )
    server.start()
    ops = Ops(store=store, settings=Settings(database_url=f"sqlite:///{db}"))
    ws_url = server.url.replace("http", "ws") + "/api/ops/ws/unit"
    units = [Device(i, ws_url) for i in range(UNITS)]
    order: list[str] = []
    dispatched = threading.Event()
    try:
        run_async(_scenario(server, ops, signs, units, order, dispatched))
    finally:
        server.stop()
    _check(store, units, order)
    store.dispose()


async def _scenario(server, ops, signs, units, order, dispatched) -> None:
    stop = asyncio.Event()
    clients = [asyncio.create_task(u.run(stop, seed=i)) for i, u in enumerate(units)]
    dispatcher = threading.Thread(target=_dispatch, args=(ops, signs, order, dispatched))
    dispatcher.start()
    started = time.monotonic()
    await asyncio.sleep(1.0)
    assert not [c for c in clients if c.done()], "simulated devices crashed"
    for kill_at in (3.0, 7.0):  # two SIGKILLs while tasks are being dispatched
        await asyncio.sleep(max(0.0, started + kill_at - time.monotonic()))
        server.kill()
        await asyncio.sleep(1.0)  # dispatch goes on while the server is dead
        await asyncio.to_thread(server.start)
    await asyncio.to_thread(dispatcher.join)
    drained_by = time.monotonic() + DRAIN_S
    while time.monotonic() < drained_by:
        if sum(len(u.processed) for u in units) >= TASKS and await asyncio.to_thread(
            _all_acked, ops.store
        ):
            break
        await asyncio.sleep(0.5)
    stop.set()
    # Drained (or out of time): the devices stop now, not each at the end of its stay (up
    # to 6 s); what they processed after the drain would not count anyway.
    for client in clients:
        client.cancel()
    await asyncio.gather(*clients, return_exceptions=True)


def _all_acked(store: Store) -> bool:
    with store.read() as conn:
        return not conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.acked_at.is_(None))
        ).scalar()


def _check(store: Store, units: list[Device], order: list[str]) -> None:
    assert len(order) == TASKS
    assert not [u.gaps for u in units if u.gaps], "a unit saw a gap in its sequence"
    processed = [tid for u in units for _, tid in u.processed]
    counts = defaultdict(int)
    for tid in processed:
        counts[tid] += 1
    assert set(counts) == set(order), f"{len(set(order) - set(counts))} tasks never arrived"
    assert max(counts.values()) == 1, "a task was processed twice"
    with store.read() as conn:
        owner = dict(conn.execute(select(tasks.c.id, tasks.c.unit_id)).all())
        statuses = dict(
            conn.execute(select(tasks.c.status, func.count()).group_by(tasks.c.status)).all()
        )
        delivered = dict(
            conn.execute(
                select(task_events.c.task_id, func.count())
                .where(task_events.c.to_status == "delivered")
                .group_by(task_events.c.task_id)
            ).all()
        )
        unit_of_device = dict(conn.execute(select(devices.c.id, devices.c.unit_id)).all())
    assert statuses == {"delivered": TASKS}
    assert len(delivered) == TASKS
    assert set(delivered.values()) == {1}
    for unit in units:  # each task reached its own unit, in the order it was dispatched
        assert all(owner[tid] == unit_of_device[unit.device_id] for _, tid in unit.processed)
        seqs = [s for s, _ in unit.processed]
        assert seqs == sorted(seqs)
        mine = [tid for tid in order if owner[tid] == unit_of_device[unit.device_id]]
        assert [tid for _, tid in unit.processed] == mine
    assert sum(u.connects for u in units) > 2 * len(units)  # they really did re-connect
