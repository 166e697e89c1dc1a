"""``pasienis ingest-docs PATH...``: reports, e-mails, archives and scans into the store."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from pasienis.cli.context import opened_store, settings
from pasienis.documents import Options, ingest_paths, iter_files

out = Console()
err = Console(stderr=True)
_STYLE = {"processed": "green", "unchanged": "dim", "partial": "yellow", "needs_ocr": "yellow"}


def ingest_docs(
    paths: list[str] = typer.Argument(..., help="Files or folders (folders recursively)."),
    dataset: str | None = typer.Option(
        None, "--dataset", help="Dataset (compartment); default PASIENIS_DOCUMENTS_DATASET."
    ),
    force: bool = typer.Option(False, "--force", help="Re-process documents already stored."),
    user: str | None = typer.Option(None, "--user", help="Recorded as who ingested."),
    as_json: bool = typer.Option(False, "--json", help="Print the batch report as JSON."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
) -> None:
    """Extract text, metadata, identifiers and names; link mentions to the store's entities."""
    from pathlib import Path

    cfg = settings()
    given = [Path(p) for p in paths]
    total = len(list(iter_files(given)))  # fails now, naming the path, if one is missing
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=err, disable=no_progress)
    with opened_store(cfg) as store, bar:
        task = bar.add_task("documents", total=total, rate="")

        def progress(done: int, count: int | None, name: str) -> None:
            speed = bar.tasks[task].speed
            bar.update(task, completed=done, total=count, description=name[:40],
                       rate=f"{speed:,.1f} files/s" if speed else "")  # fmt: skip

        options = Options.from_settings(cfg, dataset=dataset, force=force)
        report = ingest_paths(store, given, options=options, created_by=user, progress=progress)
    if as_json:
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    else:
        for doc in report.documents:
            if doc["status"] not in ("processed", "unchanged"):
                style = _STYLE.get(doc["status"], "bold red")
                out.print(f"[{style}]{doc['status']}[/] {doc['file']}: {doc.get('reason') or ''}",
                          highlight=False, soft_wrap=True)  # fmt: skip
        counts = ", ".join(f"{n} {s}" for s, n in sorted(report.counts.items()))
        out.print(f"{len(report.documents)} documents: {counts}", highlight=False)
    if report.counts.get("failed"):
        raise typer.Exit(1)


def relink_docs(
    document: list[str] = typer.Option(
        None, "--document", help="Only these document ids (repeatable)."
    ),
    every: bool = typer.Option(
        False, "--all", help="Every document, not only those whose candidates resolve anew."
    ),
) -> None:
    """Re-link mentions to resolved entities (after a resolution run, a merge or a split)."""
    from pasienis.documents import relink_mentions

    cfg = settings()
    stale = not every and not document
    with opened_store(cfg) as store:
        linked = relink_mentions(store, document_ids=document or None, stale_only=stale)
    out.print(f"{linked} mentions linked", highlight=False)
