"""``pasienis violations``: hot spots, densities, trends and forecasts of recorded violations.

The command line acts as the operator of the store: it reads every registered dataset.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pasienis.cli.context import opened_store
from pasienis.security.compartments import list_datasets
from pasienis.violations import KINDS, Analysis, Filters, analyse, cells_geojson, rows_csv
from pasienis.violations.forecast import forecast_evaluation
from pasienis.violations.report import pdf_report

app = typer.Typer(
    help="Violation analyses: hot spots, density, trends, forecasts.", no_args_is_help=True
)
out = Console()
FORMATS = ("table", "json", "geojson", "csv", "pdf")


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO date or time: {text!r}") from exc
    if value.tzinfo is None:
        raise typer.BadParameter(f"{text!r} needs a time zone, e.g. {text}+00:00 or {text}Z")
    return value


def _write(analysis: Analysis, fmt: str, output: Path | None, filters: Filters) -> None:
    if fmt == "table":
        table = Table(*(analysis.rows[0].keys() if analysis.rows else ["summary"]))
        for row in analysis.rows[:40]:
            table.add_row(*(str(v) for k, v in row.items()))
        out.print(table)
        out.print(json.dumps(analysis.summary, ensure_ascii=False), highlight=False)
        return
    if fmt == "pdf":
        described = {
            "since": filters.since,
            "until": filters.until,
            "category": ",".join(filters.categories),
        }
        data: bytes | str = pdf_report(
            analysis, title=f"Violations: {analysis.kind}", filters=described
        )
    elif fmt == "geojson":
        data = json.dumps(
            cells_geojson(analysis.rows, kind=analysis.kind, summary=analysis.summary)
        )
    elif fmt == "csv":
        data = rows_csv(analysis.rows)
    else:
        data = json.dumps(
            {
                "kind": analysis.kind,
                "parameters": analysis.parameters,
                "summary": analysis.summary,
                "rows": analysis.rows,
                "raster": analysis.raster,
            }
        )
    if output is None:
        if isinstance(data, bytes):
            raise typer.BadParameter("a PDF needs --output FILE")
        typer.echo(data)
        return
    if isinstance(data, bytes):
        output.write_bytes(data)
    else:
        output.write_text(data, encoding="utf-8")
    out.print(f"{analysis.kind}: written to {output}", highlight=False)


@app.command("analyse")
def analyse_command(
    kind: str = typer.Argument(..., help="One of: " + ", ".join(KINDS)),
    since: str | None = typer.Option(None, help="Period start, ISO with time zone."),
    until: str | None = typer.Option(None, help="Period end (exclusive), ISO with time zone."),
    category: list[str] = typer.Option([], "--category", help="Goods category (repeatable)."),
    unit: list[str] = typer.Option([], "--unit", help="Unit call sign (repeatable)."),
    goods: list[str] = typer.Option([], "--goods", help="CN code prefix (repeatable)."),
    res: int = typer.Option(7, help="H3 resolution 5..10 (7: ~5 km² cells)."),
    k: int = typer.Option(1, help="Neighbourhood rings for Gi*."),
    bandwidth: float = typer.Option(2000.0, help="KDE bandwidth in metres."),
    cell: float = typer.Option(500.0, help="KDE grid cell in metres."),
    permutations: int = typer.Option(99, help="Near-repeat permutations."),
    fmt: str = typer.Option("table", "--format", help="table, json, geojson, csv or pdf."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """Run one analysis over the violation registry."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
    filters = Filters(
        since=_when(since),
        until=_when(until),
        categories=tuple(category),
        units=tuple(unit),
        goods=tuple(goods),
    )
    with opened_store(model=False) as store, store.read() as conn:
        datasets = frozenset(name for name, _, _ in list_datasets(conn))
        analysis = analyse(
            conn,
            kind,
            filters=filters,
            datasets=datasets,
            res=res,
            k=k,
            bandwidth_m=bandwidth,
            cell_m=cell,
            permutations=permutations,
        )
    _write(analysis, fmt, output, filters)


@app.command("evaluate")
def evaluate_command(
    split: str = typer.Option(..., help="Forecast from this instant (ISO with time zone)."),
    until: str = typer.Option(..., help="End of the evaluated period."),
    res: int = typer.Option(8, help="H3 resolution of the forecast cells (8: ~0.7 km²)."),
) -> None:
    """Predictive Accuracy Index of the forecast against the last-period baseline."""
    with opened_store(model=False) as store, store.read() as conn:
        datasets = frozenset(name for name, _, _ in list_datasets(conn))
        report = forecast_evaluation(
            conn, split=_when(split), until=_when(until), datasets=datasets, res=res
        )
    table = Table("method", "area", "hit rate", "PAI")
    for method in report["methods"]:
        for share, pai in method["pai"].items():
            table.add_row(
                method["method"], f"{share:.0%}", f"{method['hit_rate'][share]:.3f}", f"{pai:.2f}"
            )
    out.print(table)
