"""Tasks: create, list, assign, move through the lifecycle, from alerts, attachments.

Dispatchers and administrators see every task; a field officer sees only tasks of the units
they belong to (anything else is 403).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import FileResponse

from pasienis.api.deps import Principal, Role, audit_read, require
from pasienis.api.idempotency import idempotent
from pasienis.ops import attachments, flows, tasks
from pasienis.ops.assignment import suggest_units
from pasienis.ops.flows import Ops
from pasienis.ops.schemas import AlertIn, TaskAssign, TaskCreate, TaskNote, TaskTransition
from pasienis.ops.service import units_of_user
from pasienis.security import ForbiddenError

router = APIRouter(prefix="/api/tasks", tags=["ops: tasks"])
DISPATCH = require(Role.dispatcher, Role.administrator)
ANYONE = require(Role.dispatcher, Role.administrator, Role.field_officer)
Dispatcher = Annotated[Principal, Depends(DISPATCH)]
Anyone = Annotated[Principal, Depends(ANYONE)]


def _ops(request: Request) -> Ops:
    return request.app.state.ops


def _actor(p: Principal) -> str:
    return f"user:{p.name}"


def _is_dispatcher(p: Principal) -> bool:
    return p.has(Role.dispatcher, Role.administrator)


def _own_units(ops: Ops, p: Principal) -> list[str]:
    with ops.store.read() as conn:
        return sorted(
            set(units_of_user(conn, user_id=p.user_id)) | set(units_of_user(conn, user_id=p.name))
        )


def _visible(ops: Ops, p: Principal, task_id: str) -> dict[str, Any]:
    with ops.store.read() as conn:
        task = tasks.get_task(conn, task_id=task_id)
    if not _is_dispatcher(p) and task["unit_id"] not in _own_units(ops, p):
        raise ForbiddenError("this task belongs to another unit")
    return task


def _audit(
    request: Request,
    action: str,
    task: dict[str, Any],
    *,
    entity_ids: list[str] | None = None,
    **detail: Any,
) -> None:
    """Every task action is logged (who, when, from where, why) in the hash-chained audit."""
    linked = entity_ids if entity_ids is not None else (task.get("entity_ids") or [])
    audit_read(request, action, entity_ids=linked, detail={"task_id": task.get("id"), **detail})


@router.post("", status_code=201)
def create(body: TaskCreate, request: Request, p: Dispatcher) -> dict:
    task = flows.create(_ops(request), data=body, actor=_actor(p))
    _audit(request, "task.create", task, entity_ids=body.entity_ids)
    return task


@router.post("/from-alert", status_code=201)
def from_alert(body: AlertIn, request: Request, p: Dispatcher) -> dict:
    """Turn an alert into a task in one action (idempotent per alert id)."""
    task = flows.task_from_alert(_ops(request), alert=body, actor=_actor(p))
    _audit(request, "task.from_alert", task, entity_ids=body.entity_ids)
    return task


@router.get("")
def list_tasks(request: Request, p: Anyone, status: str | None = None) -> list[dict[str, Any]]:
    ops = _ops(request)
    unit_ids = None if _is_dispatcher(p) else _own_units(ops, p)
    with ops.store.read() as conn:
        found = tasks.list_tasks(
            conn, unit_ids=unit_ids, status=status.split(",") if status else None
        )
    # One entry per list call (not per task): which tasks and entities were shown.
    linked = sorted({e for t in found for e in (t.get("entity_ids") or [])})
    audit_read(
        request, "task.list", entity_ids=linked, query={"status": status},
        detail={"count": len(found), "tasks": [t["id"] for t in found]},
    )  # fmt: skip
    return found


@router.get("/{task_id}")
def get(task_id: str, request: Request, p: Anyone) -> dict[str, Any]:
    task = _visible(_ops(request), p, task_id)
    _audit(request, "task.read", task)
    return task


@router.get("/{task_id}/events")
def events(task_id: str, request: Request, p: Anyone) -> list[dict]:
    ops = _ops(request)
    task = _visible(ops, p, task_id)
    with ops.store.read() as conn:
        found = tasks.history(conn, task_id=task_id)
    _audit(request, "task.events.read", task, count=len(found))
    return found


@router.get("/{task_id}/suggestions")
def suggestions(
    task_id: str, request: Request, _p: Dispatcher, limit: int = 5
) -> list[dict[str, Any]]:
    """Best available units for this task (ETA ``method`` says how it was estimated)."""
    ops = _ops(request)
    with ops.store.read() as conn:
        task = tasks.get_task(conn, task_id=task_id)
        found = suggest_units(
            conn,
            lat=task["lat"],
            lon=task["lon"],
            category=task["category"],
            speeds=ops.speeds,
            limit=limit,
        )
    # Suggestions show where crews are (their last positions): personal data of officers.
    _audit(request, "task.suggestions", task, units=[u.get("unit_id") for u in found])
    return found


@router.post("/{task_id}/assign")
def assign(task_id: str, body: TaskAssign, request: Request, p: Dispatcher) -> dict[str, Any]:
    task = flows.assign_task(_ops(request), task_id=task_id, unit=body.unit, actor=_actor(p))
    _audit(request, "task.assign", {"id": task_id}, unit=body.unit)
    return task


@router.post("/{task_id}/status")
@idempotent()
def status(task_id: str, body: TaskTransition, request: Request, p: Anyone) -> dict[str, Any]:
    """Acknowledge, en route, on scene, complete (with outcome/violation), reject, cancel."""
    ops = _ops(request)
    _visible(ops, p, task_id)
    if body.status == "cancelled" and not _is_dispatcher(p):
        raise ForbiddenError("only a dispatcher cancels a task; a crew rejects it")
    task = flows.change_status(ops, task_id=task_id, change=body, actor=_actor(p))
    _audit(request, f"task.{body.status}", {"id": task_id}, violation=body.violation is not None)
    return task


@router.post("/{task_id}/notes", status_code=201)
@idempotent(201)
def note(task_id: str, body: TaskNote, request: Request, p: Anyone) -> dict[str, Any]:
    """A note from the crew or the dispatcher, kept in the task's history."""
    ops = _ops(request)
    _visible(ops, p, task_id)
    note = flows.add_note(ops, task_id=task_id, text=body.text, actor=_actor(p))
    _audit(request, "task.note", {"id": task_id})
    return note


@router.post("/{task_id}/attachments", status_code=201)
@idempotent(201)
async def upload(task_id: str, file: UploadFile, request: Request, p: Anyone) -> dict[str, Any]:
    ops = _ops(request)
    _visible(ops, p, task_id)
    saved = await attachments.save_upload(ops, task_id=task_id, upload=file, actor=_actor(p))
    _audit(request, "task.attachment.add", {"id": task_id}, attachment=saved.get("id"))
    return saved


@router.get("/{task_id}/attachments/{attachment_id}")
def download(task_id: str, attachment_id: str, request: Request, p: Anyone) -> FileResponse:
    ops = _ops(request)
    _visible(ops, p, task_id)
    row, path = attachments.locate(ops, task_id=task_id, attachment_id=attachment_id)
    _audit(request, "task.attachment.read", {"id": task_id}, attachment=attachment_id)
    return FileResponse(
        path, media_type=row["content_type"] or "application/octet-stream", filename=row["filename"]
    )
