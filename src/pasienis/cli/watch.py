"""``pasienis watch``: watchlists and entries, screening, camera sources and alerts."""

from __future__ import annotations

import getpass
import json
from datetime import date

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from pasienis.cli.context import opened_store, settings
from pasienis.errors import PasienisError
from pasienis.watch import (
    EntryCreate,
    IndexCache,
    add_entry,
    add_source,
    catch_up,
    create_list,
    list_alerts,
    list_entries,
    list_lists,
    remove_entry,
    screen_entry,
    set_status,
)
from pasienis.watch.runtime import list_datasets

app = typer.Typer(help="Watchlists, screening and alerts.", no_args_is_help=True)
out = Console()


def _me() -> str:
    return f"cli:{getpass.getuser()}"


def _print(rows: list[dict], columns: tuple[str, ...], as_json: bool) -> None:
    if as_json:
        for row in rows:
            out.print(
                json.dumps(row, ensure_ascii=False, default=str), highlight=False, soft_wrap=True
            )
        return
    table = Table()
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(str(row.get(c) if row.get(c) is not None else "") for c in columns))
    out.print(table)


@app.command("create-list")
def create_list_command(
    name: str = typer.Argument(..., help="Watchlist name."),
    dataset: str = typer.Option(..., "--dataset", help="Compartment of its entries."),
    description: str | None = typer.Option(None, "--description"),
) -> None:
    """Create a watchlist."""
    with opened_store() as store, store.begin() as conn:
        row = create_list(conn, name=name, dataset=dataset, owner=_me(), description=description)
    out.print(f"watchlist {row['name']} ({row['id']})")


@app.command("lists")
def lists_command(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every watchlist."""
    with opened_store() as store, store.read() as conn:
        rows = list_lists(conn)
    _print(rows, ("name", "dataset", "source_dataset", "owner", "id"), as_json)


@app.command("add")
def add_command(
    watchlist: str = typer.Option(..., "--list", help="Watchlist name or id."),
    kind: str = typer.Option("person", "--kind", help="person, company, vehicle or phone."),
    name: str | None = typer.Option(None, "--name", help="Listed name."),
    plate: list[str] = typer.Option([], "--plate", help="Listed plate (repeatable)."),
    phone: list[str] = typer.Option([], "--phone", help="Listed phone (repeatable)."),
    identifier: list[str] = typer.Option([], "--identifier", help="Document/company code."),
    birth_date: str | None = typer.Option(None, "--birth-date", help="ISO date."),
    reason: str = typer.Option(..., "--reason", help="Why it is listed."),
    priority: int = typer.Option(2, "--priority", help="1 (most urgent) to 5."),
    valid_from: str | None = typer.Option(None, "--valid-from", help="ISO date."),
    valid_to: str | None = typer.Option(None, "--valid-to", help="ISO date."),
) -> None:
    """List a person, company, vehicle or phone."""
    ids = (
        [{"type": "plate", "value": p} for p in plate]
        + [{"type": "phone", "value": p} for p in phone]
        + [{"type": "identifier", "value": i} for i in identifier]
    )
    try:
        body = EntryCreate(
            kind=kind,
            name=name,
            identifiers=ids,
            birth_date=_day(birth_date),
            reason=reason,
            priority=priority,
            valid_from=_day(valid_from),
            valid_to=_day(valid_to),
        )  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "entry"
        raise PasienisError(f"{where}: {first['msg']}", hint="pasienis watch add --help") from exc
    with opened_store() as store, store.begin() as conn:
        row = add_entry(conn, list_ref=watchlist, body=body, owner=_me())
    with opened_store() as store:
        raised = screen_entry(
            store, entry_id=row["id"], name_threshold=settings().watch_name_threshold
        )
    out.print(f"entry {row['id']} added to {watchlist}; {raised} alert(s) on stored records")


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise PasienisError(f"not an ISO date: {value!r}", hint="e.g. 2026-12-31") from exc


@app.command("list")
def list_command(
    watchlist: str | None = typer.Option(None, "--list", help="Only this watchlist."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Entries (of one watchlist, or all)."""
    with opened_store() as store, store.read() as conn:
        rows = list_entries(conn, list_ref=watchlist, limit=100_000)
    _print(
        rows,
        ("id", "list_name", "kind", "name", "identifiers", "priority", "valid_to", "reason"),
        as_json,
    )


@app.command("remove")
def remove_command(entry_id: str = typer.Argument(..., help="Entry id.")) -> None:
    """Remove an entry (its alerts stay)."""
    with opened_store() as store, store.begin() as conn:
        remove_entry(conn, entry_id=entry_id)
    out.print(f"entry {entry_id} removed")


@app.command("screen")
def screen_command() -> None:
    """Screen every import completed since the last screening (the server does this itself)."""
    cfg = settings()
    with opened_store(cfg) as store:
        runs = catch_up(
            store,
            IndexCache(name_threshold=cfg.watch_name_threshold),
            list_datasets=list_datasets(cfg),
            limit=1_000_000,
        )
    out.print(f"screened {runs} completed import(s)")


@app.command("alerts")
def alerts_command(
    status: str | None = typer.Option(
        None, "--status", help="open, acknowledged, dismissed, withdrawn (by re-screening)."
    ),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Alerts, newest first."""
    with opened_store() as store, store.read() as conn:
        rows = list_alerts(conn, datasets=None, status=status, limit=limit)
    for r in rows:
        r["match"] = "; ".join(f"{m['field']}={m['value']}" for m in r["matched"])
    _print(rows, ("id", "status", "kind", "score", "match", "record_id", "created_at"), as_json)


def _status(alert_id: str, status: str, reason: str) -> None:
    with opened_store() as store, store.begin() as conn:
        row = set_status(
            conn, alert_id=alert_id, status=status, reason=reason, actor=_me(), datasets=None
        )
    out.print(f"alert {row['id']}: {row['status']}")


@app.command("ack")
def ack_command(
    alert_id: str = typer.Argument(...), reason: str = typer.Option(..., "--reason")
) -> None:
    """Acknowledge an alert."""
    _status(alert_id, "acknowledged", reason)


@app.command("dismiss")
def dismiss_command(
    alert_id: str = typer.Argument(...), reason: str = typer.Option(..., "--reason")
) -> None:
    """Dismiss an alert."""
    _status(alert_id, "dismissed", reason)


@app.command("add-source")
def add_source_command(
    source_id: str = typer.Argument(..., help="Camera source id (its login name)."),
    name: str = typer.Option(..., "--name"),
    dataset: str = typer.Option(..., "--dataset", help="Dataset its reads are stored in."),
) -> None:
    """Register a camera source for live plate reads; prints its secret once."""
    with opened_store() as store, store.begin() as conn:
        secret = add_source(conn, source_id=source_id, name=name, dataset=dataset)
    out.print(f"source {source_id}; secret (shown once): {secret}", highlight=False)
