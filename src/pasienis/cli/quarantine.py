"""``pasienis quarantine``: records that failed validation — list, show, retry."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pasienis.cli.context import opened_store
from pasienis.cli.ingest import USER_HELP, acting_for, exit_for, print_result
from pasienis.cli.users import cli_audit
from pasienis.ingest import count_entries, get_entry, list_entries, load_mapping, retry_entries
from pasienis.security import append_entry

app = typer.Typer(
    help="Quarantined records: inspect, fix the mapping, retry.", no_args_is_help=True
)
out = Console()


@app.command("list")
def list_command(
    dataset: str | None = typer.Option(None, "--dataset", help="Only this dataset."),
    status: str = typer.Option("open", "--status", help="open, resolved or all."),
    limit: int = typer.Option(100, "--limit"),
) -> None:
    """Quarantined records with where they are, the field, the value and why."""
    wanted = None if status == "all" else status
    with opened_store() as store:
        with store.read() as conn:
            entries = list_entries(conn, dataset=dataset, status=wanted, limit=limit)
            total = count_entries(conn, dataset=dataset, status=wanted)
        detail = {"dataset": dataset, "count": len(entries), "entries": [e["id"] for e in entries]}
        append_entry(store, cli_audit("quarantine.read", detail))  # raw records: logged
    table = Table("id", "kind", "dataset", "locator", "field", "value", "reason", "status")
    for e in entries:
        table.add_row(e["short_id"], e["kind"], e["dataset"], e["locator"], e["field"] or "",
                      e["value"] or "", e["reason"], e["status"])  # fmt: skip
    out.print(table)
    shown = f"{len(entries)} shown of " if len(entries) < total else ""
    out.print(f"{shown}{total} entries")


@app.command("show")
def show_command(
    entry_id: str = typer.Argument(..., help="Entry id as listed (any unique prefix)."),
) -> None:
    """One entry with the raw record as read."""
    with opened_store() as store:
        with store.read() as conn:
            entry = get_entry(conn, entry_id=entry_id)  # any unique prefix of the id
        detail = {"entry": entry["id"], "dataset": entry["dataset"]}
        append_entry(store, cli_audit("quarantine.entry.read", detail))
    out.print_json(json.dumps(entry, ensure_ascii=False, default=str))


@app.command("retry")
def retry_command(
    dataset: str | None = typer.Option(None, "--dataset", help="Only this dataset."),
    mapping: Path | None = typer.Option(None, "--mapping", "-m", help="The fixed mapping."),
    user: str | None = typer.Option(None, "--user", help=USER_HELP),
) -> None:
    """Re-import the sources of open entries (with the fixed mapping); fixed ones resolve."""
    loaded = load_mapping(mapping) if mapping is not None else None
    with opened_store() as store:
        results = retry_entries(
            store, dataset=dataset, mapping=loaded, created_by=user,
            acting=acting_for(store, user),
        )  # fmt: skip
    for result in results:
        print_result(result)
    exit_for(results)
