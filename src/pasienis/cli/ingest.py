"""``pasienis ingest SOURCE --mapping MAPPING.yml`` and ``pasienis export``: data in and out."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from pasienis.cli.context import opened_store, settings
from pasienis.ingest import ImportResult, export_entities, load_mapping, run_import
from pasienis.ingest.service import Progress as ProgressFn
from pasienis.security import Principal, PrincipalKind, principal_for_user
from pasienis.security.users import get_user
from pasienis.store import Store

out = Console()
err = Console(stderr=True)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressFn | None]:
    """A rich progress bar with rows/s and ETA, as an ingest progress callback."""
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        tasks: dict[str, int] = {}

        def update(done: int, total: int | None, name: str) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total, rate="")
            task = tasks[name]
            bar.update(task, completed=done, total=total)
            speed = bar.tasks[task].speed
            bar.update(task, rate=f"{speed:,.0f} rows/s" if speed else "")

        yield update


#: Help of the ``--user`` option of the commands that import.
USER_HELP = (
    "Act for this account: the import needs its write grant on the dataset (a new dataset "
    "makes it the owner) and may not add facts to entities it cannot see. Without it the "
    "import runs as the operator, unlimited."
)


def acting_for(store: Store, user: str | None) -> Principal | None:
    """The principal of account ``user`` (``None``: the operator at the shell)."""
    if user is None:
        return None
    with store.read() as conn:
        return principal_for_user(conn, get_user(conn, name=user).id, PrincipalKind.user)


def print_result(result: ImportResult) -> None:
    """One line per import: status and counts; then its warnings and its problem."""
    r = result.to_dict()
    resumed = f", resumed at record {r['resumed_from']}" if r["resumed_from"] else ""
    values = f" + {r['quarantined_values']} values" if r.get("quarantined_values") else ""
    out.print(
        f"[bold]{r['source_name']}[/] → {r['dataset']}: {r['status']}{resumed} — "
        f"{r['records']} records, {r['entities']} entities, {r['statements']} statements, "
        f"{r['events']} events, {r['quarantined']} records{values} quarantined (run {r['id']})",
        highlight=False,
        soft_wrap=True,
    )
    for warning in r.get("warnings") or []:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    if result.problem:
        err.print(f"[bold red]error:[/] {result.problem}", highlight=False, soft_wrap=True)


def exit_for(results: list[ImportResult]) -> None:
    """Exit non-zero when an import is not a success (too much quarantined)."""
    if any(not r.ok for r in results):
        raise typer.Exit(code=2)


def ingest(
    source: Path = typer.Argument(..., help="The file to import.", exists=False),
    mapping: Path | None = typer.Option(None, "--mapping", "-m", help="Mapping YAML file."),
    fmt: str | None = typer.Option(
        None, "--format", "-f", help="csv, tsv, excel, json, jsonl, xml, ftm."
    ),
    dataset: str | None = typer.Option(None, "--dataset", help="Dataset name (FtM streams)."),
    force: bool = typer.Option(False, "--force", help="Re-read a file already imported."),
    user: str | None = typer.Option(None, "--user", help=USER_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print the run as JSON."),
) -> None:
    """Import a CSV/Excel/JSON/XML file with a mapping, or a FollowTheMoney entity stream.

    Exits with code 2 when more than PASIENIS_INGEST_MAX_QUARANTINE_SHARE of the records
    were quarantined (whole or by a value), 1 when the import failed."""
    loaded = load_mapping(mapping) if mapping is not None else None
    with opened_store(settings()) as store, progress_bar(not quiet) as progress:
        result = run_import(
            store, source=source, mapping=loaded, fmt=fmt, dataset=dataset, force=force,
            created_by=user, progress=progress, acting=acting_for(store, user),
        )  # fmt: skip
    if as_json:
        out.print_json(json.dumps(result.to_dict(), default=str))
    else:
        print_result(result)
    exit_for([result])


def export(
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default: stdout)."),
    dataset: str | None = typer.Option(None, "--dataset", help="Only this dataset."),
) -> None:
    """Write entities as FollowTheMoney JSON lines (readable by `ftm` and Aleph)."""
    with opened_store() as store, store.read() as conn:
        if output is None:
            count = export_entities(conn, sys.stdout, dataset=dataset)
        else:
            with output.open("w", encoding="utf-8") as handle:
                count = export_entities(conn, handle, dataset=dataset)
    err.print(f"{count} entities exported")
