"""``pasienis audit``: verify the hash chain, search who did what."""

from __future__ import annotations

import json
from datetime import datetime

import typer
from rich.console import Console

from pasienis.cli.context import opened_store, settings
from pasienis.security.anchor import AnchorConfig, check_anchor, write_anchor
from pasienis.security.audit import search_audit, verify_chain
from pasienis.store.types import to_utc

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return to_utc(datetime.fromisoformat(value))
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO date/time in years 1..9999: {value!r}") from exc


@app.command("verify")
def verify_command() -> None:
    """Recompute the chain and compare it with the latest anchor; exit 1 when tampered with."""
    cfg = settings()
    with opened_store(cfg, model=False) as store:
        result = verify_chain(store)
        anchored = check_anchor(store, AnchorConfig.from_settings(cfg))
    if not result.ok:
        err.print(
            f"[bold red]audit chain broken at entry {result.first_bad_seq}:[/] {result.reason} "
            f"({result.checked} entries before it verified)",
            highlight=False,
            soft_wrap=True,
        )
    if not anchored.ok:
        err.print(
            f"[bold red]audit log does not match its anchor:[/] {anchored.reason}",
            highlight=False,
            soft_wrap=True,
        )
    if not (result.ok and anchored.ok):
        raise typer.Exit(1)
    out.print(f"audit chain intact: {result.checked} entries verified", highlight=False)
    if anchored.anchor is None:
        err.print(f"[yellow]warning:[/] {anchored.reason}", highlight=False, soft_wrap=True)
    else:
        out.print(
            f"matches the anchor of {anchored.anchor.at} (entry {anchored.anchor.seq})",
            highlight=False,
        )


@app.command("anchor")
def anchor_command() -> None:
    """Write the chain head to the signed anchor file now (the server does so periodically)."""
    cfg = settings()
    config = AnchorConfig.from_settings(cfg)
    with opened_store(cfg, model=False) as store:
        anchor = write_anchor(store, config)
    out.print(f"anchored entry {anchor.seq} ({anchor.hash[:16]}…) in {config.path}")


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
