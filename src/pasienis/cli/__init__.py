"""The ``pasienis`` command line: one sub-command group per capability, each thin.

A package rather than one ``cli.py`` so that each capability's commands stay a small module.
Errors that pasienis raises on purpose print one line and a hint, never a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from pasienis.cli import db as db_commands
from pasienis.cli import demo as demo_commands
from pasienis.cli import entities as entity_commands
from pasienis.cli import scenario as scenario_commands
from pasienis.cli import schema as schema_commands
from pasienis.cli import serve as serve_commands
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
app.command("serve")(serve_commands.serve)

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
