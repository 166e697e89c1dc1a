"""``pasienis risk``: rules, models trained on inspection history, scores and evaluation.

The command line acts as the operator of the store: it reads every registered dataset.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pasienis.cli.context import opened_store, settings
from pasienis.graph import GraphService
from pasienis.risk import (
    FEATURES,
    RiskModel,
    file_sha256,
    load_mapping,
    load_model,
    load_rules,
    read_history,
    score,
    score_store,
    time_split,
    train,
)
from pasienis.risk.assess import assess_declarations, assess_history
from pasienis.risk.declarations import declaration_lines
from pasienis.risk.evaluate import format_table
from pasienis.risk.graphctx import graph_facts
from pasienis.risk.rules import OPS, RULE_FIELDS, RuleSet
from pasienis.risk.split import Split
from pasienis.security.compartments import list_datasets

app = typer.Typer(help="Risk rules, models, scores and their evaluation.", no_args_is_help=True)
rules_app = typer.Typer(help="Analysts' risk rules (YAML).", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
out = Console()


def default_rules() -> Path:
    """The example rule set shipped with pasienis."""
    return Path(str(resources.files("pasienis.risk").joinpath("rulesets/customs_default.yml")))


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO date: {text!r}") from exc


def _models_dir() -> Path:
    d = settings().data_dir / "risk" / "models"
    d.mkdir(parents=True, exist_ok=True)
    return d


@rules_app.command("check")
def rules_check(path: Path = typer.Argument(..., help="Rule file (YAML).")) -> None:
    """Check a rule file: every problem with its line, or a summary of the rules."""
    rules = load_rules(path)
    table = Table("rule", "weight", "reason")
    for r in rules.rules:
        table.add_row(r.id, f"{r.weight:+.2f}", r.reason)
    out.print(table)
    out.print(
        f"{path}: version {rules.version}, {len(rules.rules)} rules, digest {rules.digest}",
        highlight=False,
    )


@rules_app.command("fields")
def rules_fields() -> None:
    """The fields and tests a rule may use."""
    table = Table("field", "kind")
    for name, kind in RULE_FIELDS.items():
        table.add_row(name, kind)
    out.print(table)
    out.print("tests: " + ", ".join(sorted(OPS)) + "; combine with all / any / not")


def _graph_facts(store, frame, until: datetime | None):
    with store.read() as conn:
        datasets = frozenset(name for name, _, _ in list_datasets(conn))
        return graph_facts(GraphService(store), conn, frame, datasets=datasets, until=until)


@app.command("train")
def train_command(
    history: Path = typer.Option(..., "--history", help="Labelled history, CSV or Parquet."),
    mapping: Path = typer.Option(..., "--mapping", help="Column mapping (YAML)."),
    output: Path | None = typer.Option(None, "--out", "-o", help="Model file to write."),
    valid_from: str | None = typer.Option(None, help="First validation day (default: 70 %)."),
    test_from: str | None = typer.Option(None, help="First test day (default: 85 %)."),
    use_graph: bool = typer.Option(
        True, "--graph/--no-graph", help="Graph features from the store's graph."
    ),
    threads: int = typer.Option(0, help="LightGBM threads (0: every core)."),
) -> None:
    """Train a model on labelled history (time split: train, validation, test)."""
    m = load_mapping(mapping)
    t0 = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=out,
    ) as bar:
        task = bar.add_task("reading history", total=4)
        frame = read_history(history, m, labelled=True)
        digest = file_sha256(history)
        bar.update(task, advance=1, description=f"{len(frame):,} rows read; time split")
        split = time_split(frame, valid_from=_day(valid_from), test_from=_day(test_from))
        facts = None
        if use_graph:
            bar.update(task, description="graph context")
            with opened_store() as store:
                until = datetime.combine(split.valid_from, datetime.min.time(), UTC)
                facts = _graph_facts(store, frame, until)
        bar.update(task, advance=1, description="training (LightGBM)")
        t1 = time.perf_counter()
        model = train(frame, m, source_sha256=digest, split=split, graph=facts, threads=threads)
        model.meta["graph"] = facts is not None
        model.meta["train_seconds"] = round(time.perf_counter() - t1, 2)
        bar.update(task, advance=1, description="saving")
        path = model.save(output or _models_dir() / f"{model.id}.json")
        bar.update(task, advance=1, description="done")
    out.print(f"model {model.id} → {path}", highlight=False)
    out.print(
        json.dumps(
            {
                "rows": model.meta["rows"],
                "split": model.meta["split"],
                "metrics": model.meta["metrics"],
                "rounds": model.meta["params"]["rounds"],
                "train_seconds": model.meta["train_seconds"],
                "total_seconds": round(time.perf_counter() - t0, 2),
            }
        ),
        highlight=False,
    )


def _model_or_none(path: Path | None) -> RiskModel | None:
    """A model file, or ``latest``: the newest model saved in the data directory."""
    if path is None:
        return None
    if str(path) == "latest" and not path.exists():
        from pasienis.risk.jobkind import find_model

        return find_model(settings(), "latest")
    return load_model(path)


@app.command("evaluate")
def evaluate_command(
    model_path: Path | None = typer.Option(
        None, "--model", help="Model file, or 'latest' (the newest trained here)."
    ),
    rules_path: Path | None = typer.Option(None, "--rules", help="Rule file (default: shipped)."),
    history: Path | None = typer.Option(None, "--history", help="Labelled history to test on."),
    mapping: Path | None = typer.Option(None, "--mapping", help="Its column mapping."),
    truth: Path | None = typer.Option(
        None, "--truth", help="Scenario truth.json: evaluate the store's declarations against it."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """precision/recall/revenue at 1, 2, 5, 10 % inspected: rules, model, both, baselines."""
    model = _model_or_none(model_path)
    rules = load_rules(rules_path or default_rules())
    results = {}
    if history is not None:
        if mapping is None:
            raise typer.BadParameter("--history needs --mapping")
        m = load_mapping(mapping)
        if model is not None:
            model.check_mapping(m)
        frame = read_history(history, m, labelled=True)
        split = (
            Split(
                date.fromisoformat(model.meta["split"]["valid_from"]),
                date.fromisoformat(model.meta["split"]["test_from"]),
            )
            if model is not None
            else time_split(frame)
        )
        facts = None
        if model is None or model.meta.get("graph"):
            with opened_store() as store:
                facts = _graph_facts(
                    store, frame, datetime.combine(split.test_from, datetime.min.time(), UTC)
                )
        results["history_test_period"] = assess_history(
            frame, split, model=model, rules=rules, graph=facts
        )
    if truth is not None:
        with opened_store() as store, store.read() as conn:
            datasets = frozenset(name for name, _, _ in list_datasets(conn))
            frame = declaration_lines(conn, datasets=datasets)
            facts = graph_facts(GraphService(store), conn, frame, datasets=datasets)
        if frame.empty:
            raise typer.BadParameter("the store holds no declarations to evaluate")
        results["store_declarations"] = assess_declarations(
            frame, truth, model=model, rules=rules, graph=facts
        )
    if not results:
        raise typer.BadParameter("give --history/--mapping, --truth, or both")
    if as_json:
        typer.echo(json.dumps(results))
        return
    for name, r in results.items():
        out.print(f"[bold]{name}[/]: {r['rows']:,} rows, {r['illicit']:,} illicit")
        typer.echo(format_table(r["table"]))


def _score_file(
    input_path: Path,
    mapping: Path | None,
    model: RiskModel | None,
    rules: RuleSet | None,
    output: Path | None,
) -> None:
    """Score a file through its mapping; JSON lines, highest score first."""
    if mapping is None:
        raise typer.BadParameter("--input needs --mapping")
    t0 = time.perf_counter()
    m = load_mapping(mapping)
    if model is not None:
        model.check_mapping(m)
    frame = read_history(input_path, m, labelled=False)
    facts = None
    if model is not None and model.meta.get("graph"):
        with opened_store() as store:
            facts = _graph_facts(store, frame, None)
    result = score(frame, model=model, rules=rules, graph=facts)
    elapsed = time.perf_counter() - t0
    order = np.argsort(-result.table["score"].to_numpy())
    lines = [json.dumps(result.explain(int(i))) for i in order]
    if output is not None:
        output.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.print(f"scores written to {output}", highlight=False)
    else:
        for line in lines[:20]:
            typer.echo(line)
    out.print(f"{len(frame):,} lines scored in {elapsed:.2f} s", highlight=False)
    if result.drift is not None:
        for w in result.drift.warnings():
            out.print(f"[yellow]drift:[/] {w}")


@app.command("score")
def score_command(
    model_path: Path | None = typer.Option(
        None, "--model", help="Model file, or 'latest' (the newest trained here)."
    ),
    rules_path: Path | None = typer.Option(None, "--rules", help="Rule file (default: shipped)."),
    no_rules: bool = typer.Option(False, "--no-rules", help="Model alone."),
    input_path: Path | None = typer.Option(
        None, "--input", help="Score a file instead of the store's declarations."
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help="The input's column mapping."),
    output: Path | None = typer.Option(None, "--out", "-o", help="Write scores (JSON lines)."),
    threshold: float = typer.Option(0.8, help="Probability that raises an alert (store only)."),
) -> None:
    """Score declarations; each score with the rules fired and the top contributions."""
    model = _model_or_none(model_path)
    rules = None if no_rules else load_rules(rules_path or default_rules())
    if model is None and rules is None:
        raise typer.BadParameter("give --model, rules, or both")
    t0 = time.perf_counter()
    if input_path is not None:
        _score_file(input_path, mapping, model, rules, output)
        return
    with opened_store() as store, store.read() as conn:
        datasets = frozenset(name for name, _, _ in list_datasets(conn))
    with opened_store() as store:
        summary = score_store(
            store,
            model=model,
            rules=rules,
            datasets=datasets,
            actor="cli",
            threshold=threshold,
            graph=GraphService(store),
        )
    out.print(json.dumps({k: v for k, v in summary.items() if k != "drift"}), highlight=False)
    if summary.get("drift"):
        for w in summary["drift"]["warnings"]:
            out.print(f"[yellow]drift:[/] {w}")
    out.print(
        f"scored in {time.perf_counter() - t0:.2f} s; features: {len(FEATURES)}", highlight=False
    )
