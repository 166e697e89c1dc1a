"""At-least-once delivery of a unit's outbox over one WebSocket connection.

Wire protocol (JSON text frames), documented in ``docs/operations.md``::

    client → {"type": "hello", "device_id": "...", "secret": "...", "last_seq": 17}
    server → {"type": "welcome", "unit_id": "...", "call_sign": "...", "last_seq": 23}
    server → {"type": "message", "seq": 18, "kind": "task.assigned", "task_id": "...", ...}
    client → {"type": "ack", "seq": 18}          (cumulative: everything up to 18)

``last_seq`` in the hello is the highest sequence the device has processed; it counts as an ack
and the server sends everything after it, in order. Unacknowledged messages are re-sent after
the retry interval; the device ignores sequences it has already processed (idempotent). The
store is the only truth: a killed server loses at most un-acked sends, which the device gets
again on reconnect. A session wakes on the hub (``Hub.wake``) and otherwise only every retry
interval, so a thousand idle connections cost no queries.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Protocol

from pasienis.ops.delivery.outbox import last_seq, pending
from pasienis.ops.flows import Ops, device_ack


class JsonSocket(Protocol):
    async def send_json(self, data: Any) -> None: ...
    async def receive_json(self) -> Any: ...


class UnitSession:
    """One connected device of a unit: sends the outbox in order, applies its acks."""

    def __init__(self, ops: Ops, socket: JsonSocket, *, unit_id: str, last_seq: int) -> None:
        self.ops = ops
        self.socket = socket
        self.unit_id = unit_id
        self.sent = last_seq
        self.acked = last_seq
        self.last_send = 0.0
        self.wake = asyncio.Event()

    async def start(self, *, call_sign: str) -> None:
        """Apply the hello's ``last_seq`` as an ack and greet the device."""
        head = await asyncio.to_thread(self._head)
        # A device cannot have processed more than was ever written.
        self.sent = self.acked = max(0, min(self.acked, head))
        if self.acked:
            await asyncio.to_thread(device_ack, self.ops, unit_id=self.unit_id, upto_seq=self.acked)
        await self.socket.send_json(
            {"type": "welcome", "unit_id": self.unit_id, "call_sign": call_sign, "last_seq": head}
        )

    def _head(self) -> int:
        with self.ops.store.read() as conn:
            return last_seq(conn, unit_id=self.unit_id)

    def _pending(self) -> list[dict[str, Any]]:
        with self.ops.store.read() as conn:
            return pending(conn, unit_id=self.unit_id, after_seq=self.sent)

    async def run(self) -> None:
        """Pump until the socket closes (the reader raises, which cancels the writer)."""
        hub = self.ops.hub
        wake = hub.register_unit(self.unit_id)
        self.wake = wake
        reader = asyncio.create_task(self._read())
        try:
            await self._write_loop(reader)
        finally:
            hub.unregister_unit(self.unit_id, wake)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _write_loop(self, reader: asyncio.Task[None]) -> None:
        settings = self.ops.settings
        # New messages arrive by wake-up (the hub, or the runtime's outbox watch for other
        # processes); the session itself only needs to look again for re-sends.
        tick = settings.ops_delivery_retry_s
        while not reader.done():
            now = time.monotonic()
            if self.acked < self.sent and now - self.last_send >= settings.ops_delivery_retry_s:
                self.sent = self.acked  # re-send everything not acknowledged, in order
            for message in await asyncio.to_thread(self._pending):
                await self.socket.send_json(message)
                self.sent = message["seq"]
                self.last_send = time.monotonic()
            self.wake.clear()
            waiter = asyncio.create_task(self.wake.wait())
            await asyncio.wait({waiter, reader}, timeout=tick, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
        reader.result()  # re-raise the disconnect

    async def _read(self) -> None:
        while True:
            message = await self.socket.receive_json()
            if not isinstance(message, dict) or message.get("type") != "ack":
                continue
            seq = message.get("seq")
            if not isinstance(seq, int) or isinstance(seq, bool):
                continue
            upto = min(seq, self.sent)
            if upto > self.acked:
                await asyncio.to_thread(device_ack, self.ops, unit_id=self.unit_id, upto_seq=upto)
                self.acked = upto
