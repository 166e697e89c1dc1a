"""WebSocket channels: delivery to a unit's device, and the dispatcher's live feed.

Both authenticate inside the handler (a browser cannot set headers on a WebSocket): the device
with its id and secret in the ``hello`` message, the dispatcher with the session cookie, a
bearer header, or ``?access_token=``. The protocols are in ``docs/operations.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from pasienis.api.deps import bearer_token, public
from pasienis.ops.delivery.websocket import UnitSession
from pasienis.ops.errors import DeviceAuthError
from pasienis.ops.flows import Ops
from pasienis.ops.service import authenticate_device, get_unit, list_units
from pasienis.ops.tasks import list_tasks
from pasienis.security import Credentials, Role, authenticate

router = APIRouter(prefix="/api/ops/ws", tags=["ops: live"])
HELLO_TIMEOUT_S = 15.0
POLICY_VIOLATION = 1008


def _device_login(ops: Ops, hello: dict[str, Any]) -> dict[str, Any]:
    device_id, secret = hello.get("device_id"), hello.get("secret")
    # JSON can carry anything: a list or an object as the secret is refused, not a crash.
    if not isinstance(device_id, str | int) or isinstance(device_id, bool):
        raise DeviceAuthError("the hello needs device_id as a string")
    if not isinstance(secret, str):
        raise DeviceAuthError("the hello needs secret as a string")
    with ops.store.read() as conn:
        device = authenticate_device(conn, device_id=str(device_id), secret=secret)
        return get_unit(conn, ref=device["unit_id"])


@router.websocket(
    "/unit", dependencies=[Depends(public("the device authenticates in its hello message"))]
)
async def unit_channel(websocket: WebSocket) -> None:
    """A unit's device: hello → welcome → messages in sequence order, acks back."""
    ops: Ops = websocket.app.state.ops
    await websocket.accept()
    try:
        hello = await asyncio.wait_for(websocket.receive_json(), HELLO_TIMEOUT_S)
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            raise DeviceAuthError("the first message must be a hello")
        unit = await run_in_threadpool(_device_login, ops, hello)
        last = hello.get("last_seq", 0)
        last = last if isinstance(last, int) and not isinstance(last, bool) else 0
        session = UnitSession(ops, websocket, unit_id=unit["id"], last_seq=last)
        await session.start(call_sign=unit["call_sign"])
        await session.run()
    except (DeviceAuthError, TimeoutError, ValueError) as exc:
        with contextlib.suppress(Exception):
            await websocket.send_json({"type": "error", "detail": str(exc)})
            await websocket.close(code=POLICY_VIOLATION)
    except WebSocketDisconnect:
        return


def _dispatcher(websocket: WebSocket) -> bool:
    ops: Ops = websocket.app.state.ops
    bearer = bearer_token(websocket)
    creds = Credentials(
        bearer=bearer or websocket.query_params.get("access_token"),
        session=websocket.cookies.get(getattr(ops.settings, "session_cookie_name", "")),
    )
    if creds.empty:
        return False
    principal = authenticate(ops.store, ops.settings, creds)
    return principal is not None and principal.has(Role.dispatcher, Role.administrator)


def _snapshot(ops: Ops) -> dict[str, Any]:
    with ops.store.read() as conn:
        units = [
            {
                "unit_id": u["id"],
                "call_sign": u["call_sign"],
                "status": u["status"],
                "lat": u["last_lat"],
                "lon": u["last_lon"],
                "at": u["last_fix_at"].isoformat() if u["last_fix_at"] else None,
            }
            for u in list_units(conn)
        ]
        open_tasks = [
            {
                "task_id": t["id"],
                "status": t["status"],
                "unit_id": t["unit_id"],
                "priority": t["priority"],
                "lat": t["lat"],
                "lon": t["lon"],
                "category": t["category"],
            }
            for t in list_tasks(
                conn,
                status=[
                    "created",
                    "assigned",
                    "delivered",
                    "acknowledged",
                    "en_route",
                    "on_scene",
                    "rejected",
                ],
            )
        ]
    return {"type": "snapshot", "units": units, "tasks": open_tasks}


@router.websocket(
    "/dispatch",
    dependencies=[Depends(public("authenticated in the handler: dispatcher or administrator"))],
)
async def dispatch_channel(websocket: WebSocket) -> None:
    """Live feed: a snapshot, then positions, task changes, SOS alarms, overdue tasks."""
    ops: Ops = websocket.app.state.ops
    if not await run_in_threadpool(_dispatcher, websocket):
        await websocket.close(code=POLICY_VIOLATION)
        return
    await websocket.accept()
    queue = ops.hub.subscribe()
    try:
        await websocket.send_json(await run_in_threadpool(_snapshot, ops))
        receiver = asyncio.create_task(_drain(websocket))
        while not receiver.done():
            getter = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                await websocket.send_json(getter.result())
            else:
                getter.cancel()
    except WebSocketDisconnect:
        return
    finally:
        ops.hub.unsubscribe(queue)


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) client frames so a disconnect is noticed."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
