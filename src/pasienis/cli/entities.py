"""``pasienis entities``: read entities back as the fold of their statements."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from pasienis.cli.context import opened_store
from pasienis.model import load_entity
from pasienis.model.service import entity_statement_rows

app = typer.Typer(help="Entities assembled from statements.", no_args_is_help=True)
out = Console()


@app.command("show")
def show_command(
    entity_id: str = typer.Argument(..., help="Entity id (source or canonical)."),
    statements: bool = typer.Option(False, "--statements", help="List every statement."),
) -> None:
    """Print an entity as FollowTheMoney JSON, or its statements with provenance."""
    with opened_store() as store, store.read() as conn:
        if statements:
            _, rows = entity_statement_rows(conn, entity_id)
            for row in rows:
                line = {k: str(v) if v is not None else None for k, v in row._mapping.items()}
                out.print_json(json.dumps(line, ensure_ascii=False))
            return
        entity = load_entity(conn, entity_id)
        out.print_json(json.dumps(entity.to_dict(), ensure_ascii=False))
