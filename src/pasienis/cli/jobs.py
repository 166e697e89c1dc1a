"""``pasienis jobs``: background jobs recorded in the store (imports from the API, ...)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from pasienis.cli.context import opened_store
from pasienis.jobs import events_since, get_job, list_jobs

app = typer.Typer(help="Background jobs and the event bus.", no_args_is_help=True)
out = Console()


@app.command("list")
def list_command(
    kind: str | None = typer.Option(None, "--kind"),
    status: str | None = typer.Option(None, "--status"),
    limit: int = typer.Option(50, "--limit"),
) -> None:
    """Newest jobs first, with their progress."""
    with opened_store(model=False) as store, store.read() as conn:
        jobs = list_jobs(conn, kind=kind, status=status, limit=limit)
    table = Table("id", "kind", "status", "progress", "created by", "created", "message")
    for j in jobs:
        total = j["progress_total"]
        progress = f"{j['progress_done']}/{total}" if total else str(j["progress_done"])
        created = f"{j['created_at']:%Y-%m-%d %H:%M:%S}"
        note = j["error"] or j["message"] or ""
        table.add_row(
            j["id"], j["kind"], j["status"], progress, j["created_by"] or "", created, note
        )
    out.print(table)


@app.command("show")
def show_command(job_id: str = typer.Argument(...)) -> None:
    """One job with its parameters and result."""
    with opened_store(model=False) as store, store.read() as conn:
        job = get_job(conn, job_id=job_id)
    out.print_json(json.dumps(job, default=str, ensure_ascii=False))


@app.command("events")
def events_command(
    cursor: int = typer.Option(0, "--after", help="Only events after this id."),
    topic: list[str] = typer.Option([], "--topic"),
    limit: int = typer.Option(100, "--limit"),
) -> None:
    """Events on the bus, in order (as JSON lines)."""
    with opened_store(model=False) as store, store.read() as conn:
        events = events_since(conn, cursor=cursor, topics=topic or None, limit=limit)
    for e in events:
        line = {"id": e.id, "topic": e.topic, "payload": e.payload, "published_at": e.published_at}
        out.print(
            json.dumps(line, default=str, ensure_ascii=False), highlight=False, soft_wrap=True
        )
