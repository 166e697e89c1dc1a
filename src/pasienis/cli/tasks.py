"""``pasienis tasks``: create, list and assign tasks from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from pydantic import ValidationError
from rich.console import Console

from pasienis.cli.context import opened_store, settings
from pasienis.ops import tasks as task_service
from pasienis.ops.errors import OpsError
from pasienis.ops.flows import Ops, assign_task, create
from pasienis.ops.schemas import TaskCreate

app = typer.Typer(help="Tasks for field units.", no_args_is_help=True)
out = Console()
ACTOR = "cli"


@app.command("create")
def create_command(
    lat: float = typer.Option(..., "--lat", help="WGS84 latitude."),
    lon: float = typer.Option(..., "--lon", help="WGS84 longitude."),
    category: str = typer.Option(..., "--category"),
    priority: int = typer.Option(3, "--priority", help="1 (highest) .. 5."),
    text: str = typer.Option(..., "--text", help="What the crew should do."),
    unit: str | None = typer.Option(None, "--unit", help="Assign to this call sign at once."),
    due: datetime | None = typer.Option(None, "--due", help="Due time (ISO-8601, UTC)."),
    entity: list[str] = typer.Option([], "--entity", help="Linked entity id (repeatable)."),
) -> None:
    """Create a task (assigned now if --unit is given or a rule for the category says so).

    A running server notices the outbox row within its poll interval and delivers it.
    """
    if due is not None and due.tzinfo is None:
        due = due.replace(tzinfo=UTC)  # the option says UTC
    try:
        data = TaskCreate(
            lat=lat,
            lon=lon,
            category=category,
            priority=priority,
            description=text,
            unit=unit,
            entity_ids=entity,
            due_at=due,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise OpsError(f"invalid task: {problems}") from exc
    with opened_store(model=False) as store:
        task = create(Ops(store=store, settings=settings()), data=data, actor=ACTOR)
    out.print(
        f"task {task['id']} {task['status']}" + (f" → {unit.upper()}" if task["unit_id"] else ""),
        highlight=False,
    )


@app.command("assign")
def assign_command(task_id: str = typer.Argument(...), unit: str = typer.Argument(...)) -> None:
    """Assign (or re-assign) a task to a unit."""
    with opened_store(model=False) as store:
        task = assign_task(
            Ops(store=store, settings=settings()), task_id=task_id, unit=unit, actor=ACTOR
        )
    out.print(f"task {task['id']} assigned to {unit.upper()}", highlight=False)


@app.command("list")
def list_command(
    status: str | None = typer.Option(None, "--status", help="Comma-separated statuses."),
) -> None:
    """List tasks as JSON lines (newest first)."""
    with opened_store(model=False) as store, store.read() as conn:
        rows = task_service.list_tasks(conn, status=status.split(",") if status else None)
    for row in rows:
        out.print(json.dumps(row, default=str, ensure_ascii=False), highlight=False, soft_wrap=True)
