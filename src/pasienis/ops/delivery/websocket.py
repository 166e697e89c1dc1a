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
again on reconnect. A session reads the outbox when woken — by the hub (``Hub.wake``, after the
commit), or by the runtime's outbox watch, which compares every unit's head once per poll
interval and so also covers rows written by other processes — and when un-acknowledged
messages are due for a re-send; a thousand idle connections cost no queries.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Protocol

from pasienis.ops.delivery.outbox import last_seq, pending
from pasienis.ops.flows import Ops, device_ack

#: Messages sent per read of the outbox (a device back after a long absence gets more reads).
PENDING_BATCH = 500


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
            return pending(conn, unit_id=self.unit_id, after_seq=self.sent, limit=PENDING_BATCH)

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
        """Send what is queued, then sleep until woken (the hub; the runtime's outbox watch
        for rows written by other processes) or until un-acknowledged messages are due for
        a re-send. An idle connection reads nothing: a thousand of them polling every retry
        interval were ~100 reads a second competing with task creation for the GIL."""
        retry = self.ops.settings.ops_delivery_retry_s
        look = True  # what was queued before the device connected
        while not reader.done():
            if self.acked < self.sent and time.monotonic() - self.last_send >= retry:
                self.sent = self.acked  # re-send everything not acknowledged, in order
                look = True
            if look:
                self.wake.clear()  # before the read: a wake-up during it is kept
                batch = await asyncio.to_thread(self._pending)
                for message in batch:
                    await self.socket.send_json(message)
                    self.sent = message["seq"]
                    self.last_send = time.monotonic()
                if len(batch) >= PENDING_BATCH:  # more is queued than one read returns
                    continue
            unacked = self.acked < self.sent
            timeout = max(0.0, self.last_send + retry - time.monotonic()) if unacked else None
            waiter = asyncio.create_task(self.wake.wait())
            await asyncio.wait(
                {waiter, reader}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            look = self.wake.is_set()
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
