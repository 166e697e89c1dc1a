"""The ``pasienis`` command line: one sub-command group per capability, each thin.

A package rather than one ``cli.py`` so that each capability's commands stay a small module.
Errors that pasienis raises on purpose print one line and a hint, never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from rich.console import Console

from pasienis.errors import PasienisError

#: Sub-command → ``module:attribute`` (a Typer group, or one command's function). Each is
#: imported when it is run (or listed by ``--help``): importing every capability first cost
#: ~430 MB and several CPU seconds before any command, e.g. ``pasienis ingest``, could start.
COMMANDS: dict[str, str] = {
    "db": "db:app",
    "schema": "schema:app",
    "entities": "entities:app",
    "demo": "demo:app",
    "scenario": "scenario:app",
    "ingest": "ingest:ingest",
    "export": "ingest:export",
    "quarantine": "quarantine:app",
    "jobs": "jobs:app",
    "routing": "routing:app",
    "units": "units:app",
    "devices": "devices:app",
    "tasks": "tasks:app",
    "serve": "serve:serve",
    "serve-ingest": "serve:serve_ingest",
    "users": "users:app",
    "audit": "audit:app",
    "violations": "violations:app",
    "retention": "retention:app",
    "mapping": "mapping:app",
    "imports": "imports:app",
    "ingest-docs": "documents:ingest_docs",
    "relink-docs": "documents:relink_docs",
    "graph": "graph:app",
    "resolve": "resolve:resolve",
    "review": "resolve:review",
    "search": "search:app",
    "watch": "watch:app",
    "risk": "risk:app",
}


def load_command(name: str) -> Any:
    """The click command of sub-command ``name`` (its module imported now; Typer's own
    vendored click, hence ``Any``)."""
    module_name, attribute = COMMANDS[name].split(":")
    target: Any = getattr(importlib.import_module(f"pasienis.cli.{module_name}"), attribute)
    if isinstance(target, typer.Typer):  # a group, even of one command (as add_typer made it)
        command = typer.main.get_group(target)
    else:
        single = typer.Typer()
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(typer.core.TyperGroup):
    """The top-level group: lists every sub-command, imports one only when it is used."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in COMMANDS:
            return load_command(cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="pasienis",
    help="pasienis — customs intelligence and field operations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)


@app.callback()
def _root() -> None:
    """pasienis — customs intelligence and field operations."""


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
