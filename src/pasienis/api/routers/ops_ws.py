"""WebSocket channels: delivery to a unit's device, and the dispatcher's live feed.

Both authenticate inside the handler (a browser cannot set headers on a WebSocket): the device
with its id and secret in the ``hello`` message, the dispatcher with a bearer header,
``?access_token=``, or the session cookie (only from a trusted ``Origin``). Both stay open only
while their credential holds (:mod:`pasienis.api.sockets`). The protocols are in
``docs/operations.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from pasienis.api.deps import Auditor, authenticate_with, bearer_token, public
from pasienis.api.origins import origin_allowed
from pasienis.api.sockets import (
    POLICY_VIOLATION,
    SocketRegistry,
    credential_subject,
    device_subject,
    guarded,
    user_subject,
)
from pasienis.ops.delivery.websocket import UnitSession
from pasienis.ops.errors import DeviceAuthError
from pasienis.ops.flows import Ops
from pasienis.ops.service import device_generation, get_unit, list_units, verify_device
from pasienis.ops.tasks import list_tasks
from pasienis.security import Credentials, Principal, PurposeRequiredError, Role

router = APIRouter(prefix="/api/ops/ws", tags=["ops: live"])
HELLO_TIMEOUT_S = 15.0
LIVE_ROLES = (Role.dispatcher, Role.administrator)


def _device_login(ops: Ops, hello: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    device_id, secret = hello.get("device_id"), hello.get("secret")
    # JSON can carry anything: a list or an object as the secret is refused, not a crash.
    if not isinstance(device_id, str | int) or isinstance(device_id, bool):
        raise DeviceAuthError("the hello needs device_id as a string")
    if not isinstance(secret, str):
        raise DeviceAuthError("the hello needs secret as a string")
    device = verify_device(ops.store, device_id=str(device_id), secret=secret)
    with ops.store.read() as conn:
        return device, get_unit(conn, ref=device["unit_id"])


def _device_still_valid(ops: Ops, device: dict[str, Any]) -> bool:
    with ops.store.read() as conn:
        generation = device_generation(conn, device_id=device["id"])
    return generation == device["credential_generation"]


def _sockets(websocket: WebSocket) -> SocketRegistry:
    return websocket.app.state.sockets  # type: ignore[no-any-return]


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
        device, unit = await run_in_threadpool(_device_login, ops, hello)
        last = hello.get("last_seq", 0)
        last = last if isinstance(last, int) and not isinstance(last, bool) else 0
        session = UnitSession(ops, websocket, unit_id=unit["id"], last_seq=last)
        await session.start(call_sign=unit["call_sign"])
        # A rotation or deactivation (any process) closes the device's socket.
        with _sockets(websocket).watch(device_subject(device["id"])) as watch:
            await guarded(
                websocket,
                session.run(),
                watch=watch,
                still_valid=lambda: _device_still_valid(ops, device),
                every_s=ops.settings.ws_recheck_seconds,
            )
    except (DeviceAuthError, TimeoutError, ValueError) as exc:
        with contextlib.suppress(Exception):
            await websocket.send_json({"type": "error", "detail": str(exc)})
            await websocket.close(code=POLICY_VIOLATION)
    except WebSocketDisconnect:
        return


def _dispatcher_credentials(websocket: WebSocket) -> Credentials | None:
    """One credential: a bearer header or ``?access_token=``, else the session cookie.

    A cookie is sent by the browser whatever page opened the socket, so it counts only from
    a trusted origin (the server's own or ``allowed_origins``).
    """
    ops: Ops = websocket.app.state.ops
    token = bearer_token(websocket) or websocket.query_params.get("access_token")
    if token or "authorization" in websocket.headers:
        return Credentials(bearer=token) if token else None
    session = websocket.cookies.get(ops.settings.session_cookie_name)
    if not session:
        return None
    headers = {k.lower(): v for k, v in websocket.headers.items()}
    return Credentials(session=session) if origin_allowed(headers, ops.settings) else None


def _live_principal(websocket: WebSocket, creds: Credentials) -> Principal | None:
    principal = authenticate_with(websocket, creds)
    return principal if principal is not None and principal.has(*LIVE_ROLES) else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


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
                # What the console's list shows of a task it never saw before the reconnect.
                "description": t["description"],
                "created_at": _iso(t["created_at"]),
                "updated_at": _iso(t["updated_at"]),
                "due_at": _iso(t["due_at"]),
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


def _audited_snapshot(ops: Ops, websocket: WebSocket) -> dict[str, Any]:
    """The snapshot, logged once per connection: the live feed that follows shows the same
    units and tasks, so one entry per snapshot (not per position) says who watched them."""
    snapshot = _snapshot(ops)
    Auditor(websocket).record(
        "dispatch.snapshot",
        detail={
            "units": [u["unit_id"] for u in snapshot["units"]],
            "tasks": [t["task_id"] for t in snapshot["tasks"]],
        },
    )
    return snapshot


@router.websocket(
    "/dispatch",
    dependencies=[Depends(public("authenticated in the handler: dispatcher or administrator"))],
)
async def dispatch_channel(websocket: WebSocket) -> None:
    """Live feed: a snapshot, then positions, task changes, SOS alarms, overdue tasks."""
    ops: Ops = websocket.app.state.ops
    creds = _dispatcher_credentials(websocket)
    principal = await run_in_threadpool(_live_principal, websocket, creds) if creds else None
    if creds is None or principal is None:
        await websocket.close(code=POLICY_VIOLATION)
        return
    websocket.state.principal = principal  # for the Auditor of the snapshot
    await websocket.accept()
    subjects = [user_subject(principal.user_id)]
    if principal.credential_id:
        subjects.append(credential_subject(principal.credential_id))
    # Disabling the account, revoking its session or removing its role closes the feed.
    with _sockets(websocket).watch(*subjects) as watch:
        await guarded(
            websocket,
            _feed(ops, websocket),
            watch=watch,
            still_valid=lambda: _live_principal(websocket, creds) is not None,
            every_s=ops.settings.ws_recheck_seconds,
        )


async def _feed(ops: Ops, websocket: WebSocket) -> None:
    queue = ops.hub.subscribe()
    receiver: asyncio.Task[None] | None = None
    getter: asyncio.Task[Any] | None = None
    try:
        await websocket.send_json(await run_in_threadpool(_audited_snapshot, ops, websocket))
        receiver = asyncio.create_task(_drain(websocket))
        while not receiver.done():
            getter = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                await websocket.send_json(getter.result())
    except WebSocketDisconnect:
        return
    except PurposeRequiredError as exc:  # an analyst-dispatcher, where a purpose is required
        with contextlib.suppress(Exception):
            await websocket.send_json({"type": "error", "detail": exc.message})
            await websocket.close(code=POLICY_VIOLATION)
    finally:
        for task in (getter, receiver):
            if task is not None:
                task.cancel()
        ops.hub.unsubscribe(queue)


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) client frames so a disconnect is noticed."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
