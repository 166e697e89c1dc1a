"""Alerts: list, acknowledge, dismiss, turn into a field task, and a live WebSocket feed.

An alert shows who or what was listed and the record that matched, so it is read only by
callers who may read both the entry's and the record's dataset.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from pasienis.api.deps import (
    Auditor,
    AuditorDep,
    Principal,
    Role,
    authenticate_with,
    bearer_token,
    public,
    require,
    visible_datasets,
)
from pasienis.jobs import events_since, latest_event_id
from pasienis.security import Credentials
from pasienis.watch import (
    ALERT_TOPIC,
    AlertAction,
    get_alert,
    list_alerts,
    set_status,
    task_request,
)

router = APIRouter(prefix="/api/alerts", tags=["alerts"])
# Analysts work alerts; dispatchers see them to send units (vehicle alerts become tasks).
Reader = Annotated[Principal, Depends(require(Role.analyst, Role.dispatcher))]
POLICY_VIOLATION = 1008
STATUS_PATTERN = r"^(open|acknowledged|dismissed|withdrawn)$"
KIND_PATTERN = r"^(person|company|vehicle|phone|risk)$"


def _store(request: Any) -> Any:
    return request.app.state.store


@router.get("")
def alerts(
    request: Request,
    principal: Reader,
    audit: AuditorDep,
    status: Annotated[str | None, Query(pattern=STATUS_PATTERN)] = None,
    kind: Annotated[str | None, Query(pattern=KIND_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """Alerts newest first, with their evidence (record, fields matched, score, entry)."""
    with _store(request).read() as conn:
        rows = list_alerts(
            conn,
            datasets=visible_datasets(principal),
            status=status,
            kind=kind,
            limit=limit,
            offset=offset,
        )
    audit.record(
        "alert.list",
        query={"status": status, "kind": kind, "offset": offset},
        detail={"alerts": [r["id"] for r in rows]},
    )
    return rows


@router.get("/{alert_id}")
def alert(request: Request, alert_id: str, principal: Reader, audit: AuditorDep) -> dict:
    with _store(request).read() as conn:
        row = get_alert(conn, alert_id=alert_id, datasets=visible_datasets(principal))
    audit.record("alert.read", detail={"alert": alert_id})
    return row


def _act(
    request: Request,
    principal: Principal,
    audit: Auditor,
    alert_id: str,
    status: str,
    body: AlertAction,
) -> dict:
    with _store(request).begin() as conn:
        row = set_status(
            conn,
            alert_id=alert_id,
            status=status,
            reason=body.reason,
            actor=principal.name,
            datasets=visible_datasets(principal),
        )
    audit.record(f"alert.{status}", detail={"alert": alert_id, "reason": body.reason})
    return row


@router.post("/{alert_id}/acknowledge")
def acknowledge(
    request: Request, alert_id: str, body: AlertAction, principal: Reader, audit: AuditorDep
) -> dict:
    """Seen and being handled; the reason is kept."""
    return _act(request, principal, audit, alert_id, "acknowledged", body)


@router.post("/{alert_id}/dismiss")
def dismiss(
    request: Request, alert_id: str, body: AlertAction, principal: Reader, audit: AuditorDep
) -> dict:
    """Not a real hit (or not actionable); the reason is kept."""
    return _act(request, principal, audit, alert_id, "dismissed", body)


@router.post("/{alert_id}/task", status_code=202)
def to_task(request: Request, alert_id: str, principal: Reader, audit: AuditorDep) -> dict:
    """Turn a located alert (a plate read at a camera) into a field task in one call.

    Published as ``alert.raised`` on the bus, where the operations side's tasks-from-alerts
    flow picks it up (idempotent per alert id); the two halves never import each other.
    """
    with _store(request).read() as conn:
        row = get_alert(conn, alert_id=alert_id, datasets=visible_datasets(principal))
    payload = task_request(row)
    event = request.app.state.bus.publish("alert.raised", payload)
    audit.record("alert.task", detail={"alert": alert_id, "event": event.id})
    return {"alert_id": alert_id, "event_id": event.id}


def _principal(websocket: WebSocket) -> Principal | None:
    app = websocket.app
    creds = Credentials(
        bearer=bearer_token(websocket) or websocket.query_params.get("access_token"),
        session=websocket.cookies.get(app.state.settings.session_cookie_name),
    )
    if creds.empty:
        return None
    principal = authenticate_with(websocket, creds)
    if principal is None or not principal.has(Role.analyst, Role.dispatcher):
        return None
    return principal


def _head(store: Any) -> int:
    with store.read() as conn:
        return latest_event_id(conn)


def _next_batch(store: Any, cursor: int, datasets: frozenset[str]) -> tuple[int, list[dict]]:
    with store.read() as conn:
        events = events_since(conn, cursor=cursor, topics=[ALERT_TOPIC], limit=50)
        ids = [i for e in events for i in e.payload.get("alert_ids", [])]
        rows = list_alerts(conn, datasets=datasets, ids=ids, limit=10_000) if ids else []
    raised = {alert_id: n for n, alert_id in enumerate(ids)}
    rows.sort(key=lambda r: raised[r["id"]])  # in the order they were raised (event order)
    return (events[-1].id if events else cursor), rows


@router.websocket("/ws", dependencies=[Depends(public("authenticated in the handler"))])
async def alert_feed(websocket: WebSocket) -> None:
    """New alerts as they are raised by any process: ``{"type": "alerts", "cursor", "alerts"}``.

    Delivery is at least once: reconnect with ``?after=<last cursor>`` to get what was raised
    meanwhile (the cursor is the bus event id; without it the feed starts at now).
    """
    principal = await run_in_threadpool(_principal, websocket)
    if principal is None:
        await websocket.close(code=POLICY_VIOLATION)
        return
    store, poll = _store(websocket), websocket.app.state.settings.watch_ws_poll_s
    after = websocket.query_params.get("after", "")
    # "Now" is taken before the client sees the feed open: an alert raised once it is open
    # is always sent (taken after, one raised in between was missed: a test waited forever).
    cursor = int(after) if after.isdigit() else await run_in_threadpool(_head, store)
    await websocket.accept()
    datasets = visible_datasets(principal)
    receiver = asyncio.create_task(_drain(websocket))
    try:
        while not receiver.done():
            cursor_next, rows = await run_in_threadpool(_next_batch, store, cursor, datasets)
            if rows:
                await run_in_threadpool(
                    Auditor(websocket).record,
                    "alert.push",
                    actor=principal,
                    detail={"alerts": [r["id"] for r in rows]},
                )
                await websocket.send_json({"type": "alerts", "cursor": cursor_next, "alerts": rows})
            if cursor_next == cursor:
                await asyncio.wait({receiver}, timeout=poll)
            cursor = cursor_next
    except WebSocketDisconnect:
        return
    finally:
        receiver.cancel()
        with contextlib.suppress(BaseException):
            await receiver


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, so a close is noticed at once."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
