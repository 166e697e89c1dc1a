"""``pasienis scenario``: generate the synthetic customs scenario with its ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pasienis.errors import PasienisError
from pasienis.scenario import generate

app = typer.Typer(help="Synthetic scenario: demo data with ground truth.", no_args_is_help=True)
out = Console()


@app.command("generate")
def generate_command(
    seed: int = typer.Option(42, "--seed", help="Random seed; same seed and scale, same files."),
    scale: float = typer.Option(
        1.0, "--scale", help="Volume: 1 is the demo (~10k plate reads), 100 gives ~1M."
    ),
    out_dir: Path = typer.Option(Path("data/scenario"), "--out", help="Output directory."),
) -> None:
    """Write crossings, plate reads, declarations, register, watchlist, reports, roads, truth."""
    if scale <= 0:
        raise PasienisError(f"--scale must be positive, got {scale}")
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out) as bar:
        task = bar.add_task("generating", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"generating {stage}", completed=done, total=total)

        summary = generate(seed=seed, scale=scale, out=out_dir, progress=progress)
    out.print_json(json.dumps(summary.to_dict()["counts"], ensure_ascii=False))
    out.print(f"scenario written to [bold]{out_dir}[/] (truth in truth.json)")


@app.command("load")
def load_command(
    folder: Path = typer.Argument(..., help="A folder written by `pasienis scenario generate`."),
    user: str | None = typer.Option(
        None, "--user", help="Act for this account (its write grants apply; default: operator)."
    ),
) -> None:
    """Import every scenario file with the shipped mappings (reports are free text: skipped)."""
    from pasienis.cli.context import opened_store
    from pasienis.cli.ingest import acting_for, print_result, progress_bar
    from pasienis.ingest import load_scenario

    failed = 0
    with opened_store() as store, progress_bar() as progress:
        results = load_scenario(
            store, folder=folder, created_by=user, progress=progress,
            acting=acting_for(store, user),
        )  # fmt: skip
    for label, result in results:
        if isinstance(result, PasienisError):
            failed += 1
            out.print(f"[bold red]{label}[/]: {result.message}", highlight=False, soft_wrap=True)
        else:
            print_result(result)
    if failed:
        raise typer.Exit(1)
