"""``pasienis imports``: the import runs — list, show, retract and restore."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from pasienis.cli.context import opened_store
from pasienis.ingest import get_run, list_runs, restore_run, retract_dataset, retract_run

app = typer.Typer(help="Import runs: who imported what, and retraction.", no_args_is_help=True)
out = Console()

#: Characters of a run id shown in lists (any unique prefix finds the run).
SHORT = 10


@app.command("list")
def list_command(
    dataset: str | None = typer.Option(None, "--dataset", help="Only this dataset."),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines, one run each."),
) -> None:
    """Runs, newest first: who, when, file, hash, counts and status."""
    with opened_store() as store, store.read() as conn:
        runs = list_runs(conn, dataset=dataset, limit=limit)
    if as_json:
        for r in runs:
            typer.echo(json.dumps(r, ensure_ascii=False, default=str))
        return
    table = Table("run", "started", "by", "dataset", "file", "sha256", "records", "entities",
                  "quarantined", "status")  # fmt: skip
    for r in runs:
        status = r["status"] + (" (retracted)" if r.get("retracted") else "")
        quarantined = f"{r['quarantined']}+{r.get('quarantined_values') or 0}v"
        table.add_row(
            r["id"][:SHORT], f"{r['started_at']:%Y-%m-%d %H:%M}", r["created_by"] or "",
            r["dataset"], r["source_name"], r["content_hash"][:12], str(r["records"]),
            str(r["entities"]), quarantined, status,
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(runs)} runs")


@app.command("show")
def show_command(run_id: str = typer.Argument(..., help="Run id (any unique prefix).")) -> None:
    """One run with everything recorded about it."""
    with opened_store() as store, store.read() as conn:
        run = get_run(conn, run_id=run_id)
    out.print_json(json.dumps(run, ensure_ascii=False, default=str))


@app.command("retract")
def retract_command(
    run_id: str | None = typer.Argument(None, help="Run id (any unique prefix)."),
    dataset: str | None = typer.Option(None, "--dataset", help="Retract every run of it."),
    reason: str | None = typer.Option(None, "--reason"),
    user: str | None = typer.Option(None, "--user", help="Recorded as who retracted."),
) -> None:
    """Take a run's (or a dataset's) statements and events out of the live view; reversible."""
    if (run_id is None) == (dataset is None):
        raise typer.BadParameter("give a RUN id or --dataset, not both")
    with opened_store() as store:
        if dataset is not None:
            ids = retract_dataset(store, dataset=dataset, by=user, reason=reason)
        else:
            with store.read() as conn:
                ids = [get_run(conn, run_id=run_id)["id"]]  # type: ignore[arg-type]
            retract_run(store, run_id=ids[0], by=user, reason=reason)
    out.print(f"retracted {len(ids)} run(s): {', '.join(i[:SHORT] for i in ids)}")


@app.command("restore")
def restore_command(
    run_id: str = typer.Argument(..., help="Run id (any unique prefix)."),
    user: str | None = typer.Option(None, "--user"),
) -> None:
    """Bring a retracted run back into the live view."""
    with opened_store() as store:
        with store.read() as conn:
            full = get_run(conn, run_id=run_id)["id"]
        restore_run(store, run_id=full, by=user)
    out.print(f"restored run {full[:SHORT]}")
