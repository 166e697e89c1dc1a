"""``pasienis demo``: load the built-in sample into the store."""

from __future__ import annotations

import typer
from rich.console import Console

from pasienis.cli.context import opened_store
from pasienis.model.sample import load_sample
from pasienis.store import upgrade

app = typer.Typer(help="Demo data.", no_args_is_help=True)
out = Console()


@app.command("load")
def load_command() -> None:
    """Migrate the store and load the tiny built-in sample (idempotent)."""
    with opened_store() as store:
        upgrade(store)
        counts = load_sample(store)
    out.print(f"sample loaded: {counts['statements']} statements, {counts['events']} events")
