"""The ``pasienis`` command line: one sub-command group per capability, each thin.

A package rather than one ``cli.py`` so that each capability's commands stay a small module.
Errors that pasienis raises on purpose print one line and a hint, never a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from pasienis.cli import audit as audit_commands
from pasienis.cli import db as db_commands
from pasienis.cli import demo as demo_commands
from pasienis.cli import devices as device_commands
from pasienis.cli import documents as document_commands
from pasienis.cli import entities as entity_commands
from pasienis.cli import graph as graph_commands
from pasienis.cli import imports as import_commands
from pasienis.cli import ingest as ingest_commands
from pasienis.cli import jobs as job_commands
from pasienis.cli import mapping as mapping_commands
from pasienis.cli import quarantine as quarantine_commands
from pasienis.cli import resolve as resolve_commands
from pasienis.cli import retention as retention_commands
from pasienis.cli import risk as risk_commands
from pasienis.cli import routing as routing_commands
from pasienis.cli import scenario as scenario_commands
from pasienis.cli import schema as schema_commands
from pasienis.cli import search as search_commands
from pasienis.cli import serve as serve_commands
from pasienis.cli import tasks as task_commands
from pasienis.cli import units as unit_commands
from pasienis.cli import users as user_commands
from pasienis.cli import violations as violation_commands
from pasienis.cli import watch as watch_commands
from pasienis.errors import PasienisError

app = typer.Typer(
    name="pasienis",
    help="pasienis — customs intelligence and field operations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_commands.app, name="db")
app.add_typer(schema_commands.app, name="schema")
app.add_typer(entity_commands.app, name="entities")
app.add_typer(demo_commands.app, name="demo")
app.add_typer(scenario_commands.app, name="scenario")
app.command("ingest")(ingest_commands.ingest)
app.command("export")(ingest_commands.export)
app.add_typer(quarantine_commands.app, name="quarantine")
app.add_typer(job_commands.app, name="jobs")
app.add_typer(routing_commands.app, name="routing")
app.add_typer(unit_commands.app, name="units")
app.add_typer(device_commands.app, name="devices")
app.add_typer(task_commands.app, name="tasks")
app.command("serve")(serve_commands.serve)
app.command("serve-ingest")(serve_commands.serve_ingest)
app.add_typer(user_commands.app, name="users")
app.add_typer(audit_commands.app, name="audit")
app.add_typer(violation_commands.app, name="violations")
app.add_typer(retention_commands.app, name="retention")
app.add_typer(mapping_commands.app, name="mapping")
app.add_typer(import_commands.app, name="imports")
app.command("ingest-docs")(document_commands.ingest_docs)
app.command("relink-docs")(document_commands.relink_docs)
app.add_typer(graph_commands.app, name="graph")
app.command("resolve")(resolve_commands.resolve)
app.command("review")(resolve_commands.review)
app.add_typer(search_commands.app, name="search")
app.add_typer(watch_commands.app, name="watch")
app.add_typer(risk_commands.app, name="risk")

err = Console(stderr=True)


def main() -> None:
    """Entry point: run the Typer app, turning pasienis errors into one-line messages."""
    try:
        app()
    except PasienisError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
        if exc.hint:
            err.print(f"[dim]hint:[/] {exc.hint}", highlight=False, soft_wrap=True)
        sys.exit(1)
