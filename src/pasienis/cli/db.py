"""``pasienis db``: migrations and engine checks."""

from __future__ import annotations

import typer
from rich.console import Console

from pasienis.cli.context import opened_store
from pasienis.store import current_revision, head_revision, upgrade

app = typer.Typer(
    help="Database schema: apply migrations, show the revision.", no_args_is_help=True
)
out = Console()


@app.command("upgrade")
def upgrade_command(
    revision: str = typer.Argument("head", help="Revision to migrate to."),
) -> None:
    """Apply database migrations (creates the embedded SQLite file when needed)."""
    with opened_store(model=False) as store:
        store.check()
        upgrade(store, revision)
        out.print(f"database at revision [bold]{current_revision(store)}[/] ({store.engine_name})")


@app.command("current")
def current_command() -> None:
    """Show the revision the database is at and the newest one available."""
    with opened_store(model=False) as store:
        out.print(f"current: {current_revision(store)}  head: {head_revision()}")
