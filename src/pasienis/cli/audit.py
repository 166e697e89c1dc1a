"""``pasienis audit``: verify the hash chain, search who did what."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from rich.console import Console

from pasienis.cli.context import opened_store
from pasienis.security.audit import search_audit, verify_chain

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO date/time: {value!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


@app.command("verify")
def verify_command() -> None:
    """Recompute the chain; exit 1 and name the first bad entry when it was tampered with."""
    with opened_store(model=False) as store:
        result = verify_chain(store)
    if result.ok:
        out.print(f"audit chain intact: {result.checked} entries verified")
        return
    err.print(
        f"[bold red]audit chain broken at entry {result.first_bad_seq}:[/] {result.reason} "
        f"({result.checked} entries before it verified)",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(1)


@app.command("search")
def search_command(
    user: str | None = typer.Option(None, help="Account name of the actor."),
    entity: str | None = typer.Option(None, help="Entity id the action touched."),
    action: str | None = typer.Option(None, help="Action, e.g. entity.read."),
    since: str | None = typer.Option(None, help="From this ISO time (UTC if no zone)."),
    until: str | None = typer.Option(None, help="Before this ISO time (UTC if no zone)."),
    limit: int = typer.Option(100, min=1, max=100_000, help="At most this many entries."),
) -> None:
    """Print matching entries as JSON lines, newest first."""
    with opened_store(model=False) as store, store.read() as conn:
        rows = search_audit(
            conn, user=user, entity=entity, action=action,
            since=_when(since), until=_when(until), limit=limit,
        )  # fmt: skip
    for row in rows:
        typer.echo(json.dumps(row, default=str, ensure_ascii=False))
