"""``pasienis mapping``: write a mapping against the real file — draft, check, preview.

Nothing here writes to the store: an administrator can try a mapping as often as needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from pasienis.cli.context import opened_store
from pasienis.ingest import check_mapping, draft_mapping, load_mapping, preview_mapping

app = typer.Typer(help="Draft, check and preview mappings on a real file.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _report(report: dict) -> None:  # type: ignore[type-arg]
    for problem in report["problems"]:
        err.print(f"[bold red]error:[/] {problem}", highlight=False, soft_wrap=True)
    for warning in report["warnings"]:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)


@app.command("check")
def check_command(
    mapping: Path = typer.Argument(..., help="The mapping YAML."),
    source: Path = typer.Argument(..., help="A source file it is meant for."),
) -> None:
    """Check a mapping and its columns/paths against a file; exit 1 on a problem."""
    with opened_store():  # installs the entity model the mapping is checked against
        report = check_mapping(load_mapping(mapping), source)
    _report(report)
    if not report["ok"]:
        raise typer.Exit(code=1)
    out.print(f"{mapping} fits {source.name} ({report['sampled']} records sampled)")


@app.command("preview")
def preview_command(
    mapping: Path = typer.Argument(..., help="The mapping YAML."),
    source: Path = typer.Argument(..., help="A source file it is meant for."),
    rows: int = typer.Option(20, "--rows", "-n", min=1, help="Records to show."),
) -> None:
    """Show the first records as the entities, events and quarantine entries they would
    become (JSON); writes nothing."""
    with opened_store():
        report = preview_mapping(load_mapping(mapping), source, rows=rows)
    _report(report)
    out.print_json(json.dumps(report["records"], ensure_ascii=False, default=str))
    if not report["ok"]:
        raise typer.Exit(code=1)


@app.command("draft")
def draft_command(
    source: Path = typer.Argument(..., help="The file to propose a mapping for."),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet (default: the first)."),
    as_json: bool = typer.Option(False, "--json", help="The columns found, as JSON."),
) -> None:
    """Propose a starting mapping: encoding, delimiter, header row, columns and their types."""
    with opened_store():
        draft = draft_mapping(source, sheet=sheet)
    if as_json:
        out.print_json(json.dumps(draft.to_dict(), ensure_ascii=False, default=str))
    else:
        typer.echo(draft.yaml)
