"""``pasienis resolve`` (a job with a progress bar) and ``pasienis review`` (interactive).

The CLI is the local operator: it reads every dataset, like ``entities show``; the API is
where compartments apply per analyst.
"""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pasienis.cli.context import opened_store
from pasienis.errors import PasienisError
from pasienis.jobs import FINAL, JobRunner, JobStatus, get_job
from pasienis.resolve import (
    INCREMENTAL_JOB,
    JOB_KIND,
    KINDS,
    decide,
    get_candidate,
    incremental_job,
    list_candidates,
    pending_imports,
    resolve_job,
    undo,
)
from pasienis.resolve.review import every_dataset

out = Console()
err = Console(stderr=True)


def _run_job(kind: str, params: dict, user: str | None) -> dict:
    with opened_store() as store:
        runner = JobRunner(store)
        runner.register(JOB_KIND, resolve_job)
        runner.register(INCREMENTAL_JOB, incremental_job)
        job_id = runner.submit(kind, params, created_by=user)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=err) as bar:
            task = bar.add_task("queued", total=None)
            while True:
                with store.read() as conn:
                    job = get_job(conn, job_id=job_id)
                bar.update(task, completed=job.get("progress_done") or 0,
                           total=job.get("progress_total"),
                           description=job.get("message") or job["status"])  # fmt: skip
                if job["status"] in FINAL:
                    break
                time.sleep(0.2)
        runner.shutdown()
    return job


def resolve(
    kind: list[str] = typer.Option(None, "--kind", help="person, company, vehicle (repeat)."),
    merge_threshold: float = typer.Option(0.95, help="Merge pairs at or above this."),
    review_threshold: float = typer.Option(0.5, help="Queue pairs from here to the merge one."),
    seed: int = typer.Option(42, help="Seed of u-probability sampling (reproducible runs)."),
    max_pairs: float = typer.Option(3e5, help="Random pairs sampled for u-probabilities."),
    engine: str = typer.Option("duckdb", help="duckdb (embedded) or spark."),
    pending: bool = typer.Option(
        False,
        "--pending",
        help="Only resolve finished imports incrementally with the saved models.",
    ),
    user: str | None = typer.Option(None, "--user", help="Recorded as who ran it."),
) -> None:
    """Resolve persons, companies and vehicles: merge sure pairs, queue the grey zone."""
    if pending:
        with opened_store() as store:
            imports = pending_imports(store)
        if not imports:
            out.print("no finished imports wait for resolution")
        for run_id in imports:
            _report(_run_job(INCREMENTAL_JOB, {"import_run_id": run_id}, user))
        return
    for name in kind or []:
        if name not in KINDS:
            raise PasienisError(f"unknown kind {name!r}", hint=f"one of: {', '.join(KINDS)}")
    params = {"kinds": kind or list(KINDS), "merge_threshold": merge_threshold,
              "review_threshold": review_threshold, "seed": seed, "max_pairs": max_pairs,
              "engine": engine}  # fmt: skip
    _report(_run_job(JOB_KIND, params, user))


def _report(job: dict) -> None:
    if job["status"] != JobStatus.succeeded:
        raise PasienisError(f"resolution job {job['id']} {job['status']}: {job.get('error')}",
                            hint="see `pasienis jobs show`")  # fmt: skip
    table = Table("run", "kind", "mode", "status", "records", "merged pairs", "review",
                  "clusters")  # fmt: skip
    failed = False
    for run in (job.get("result") or {}).get("runs", []):
        c = run.get("counts") or {}
        failed |= run["status"] == "failed"
        table.add_row(run["id"][:12], run["kind"], run["mode"], run["status"],
                      str(c.get("records", 0)), str(c.get("auto", 0)), str(c.get("review", 0)),
                      str(c.get("clusters", 0)))  # fmt: skip
        if run.get("error"):
            err.print(f"[yellow]{run['kind']}:[/] {run['error']}")
    out.print(table)
    if failed:
        raise typer.Exit(1)


def _show(pair: dict) -> None:
    table = Table(f"p={pair['probability']:.3f}", pair["left_id"], pair["right_id"])
    props = sorted(set(pair["left"]["properties"]) | set(pair["right"]["properties"]))
    for prop in props:
        table.add_row(prop, "; ".join(pair["left"]["properties"].get(prop, [])),
                      "; ".join(pair["right"]["properties"].get(prop, [])))  # fmt: skip
    out.print(table)
    for ev in pair.get("evidence") or []:
        mark = "[green]✓[/]" if ev["agrees"] else " "
        out.print(f" {mark} {ev['comparison']:<8} {ev['match_weight']:+6.2f}  {ev['level']}")


def review(
    user: str = typer.Option(..., "--user", help="Who decides (recorded in each judgement)."),
    kind: str | None = typer.Option(None, "--kind", help="Only this kind."),
    limit: int = typer.Option(20, help="Pairs to review in this session."),
    undo_id: str | None = typer.Option(None, "--undo", help="Undo this judgement and exit."),
) -> None:
    """Review grey-zone pairs: m = merge, n = not the same, u = unsure, s = skip, q = quit."""
    choices = {"m": "merge", "n": "not-same", "u": "unsure"}
    with opened_store() as store:
        with store.read() as conn:
            allowed = every_dataset(conn)
        if undo_id:
            done = undo(store, judgement_id=undo_id, actor=user, datasets=allowed)
            out.print(f"judgement {done['id']} undone")
            return
        with store.read() as conn:
            pairs = list_candidates(conn, datasets=allowed, kind=kind, limit=limit)
        if not pairs:
            out.print("the review queue is empty")
        for listed in pairs:
            with store.read() as conn:
                pair = get_candidate(conn, listed["id"], datasets=allowed)
            _show(pair)
            answer = typer.prompt("[m]erge [n]ot same [u]nsure [s]kip [q]uit", default="s")
            if answer.startswith("q"):
                break
            if answer[:1] in choices:
                why = typer.prompt("why", default="", show_default=False) or None
                j = decide(store, left_id=pair["left_id"], right_id=pair["right_id"],
                           decision=choices[answer[:1]], actor=user, reason=why,
                           datasets=allowed)  # fmt: skip
                out.print(f"recorded judgement {j['id']} ({j['decision']})")
