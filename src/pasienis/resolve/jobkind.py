"""Job kinds: a batch resolution run, and incremental resolution of a finished import.

The import hook rides on the bus: ``import.completed`` (published by ingest in the import's
own transaction) becomes an incremental job, so ingest never imports resolve.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from pasienis.jobs import BusEvent, JobContext, events_since
from pasienis.resolve.incremental import resolve_new
from pasienis.resolve.kinds import KINDS
from pasienis.resolve.models import resolution_runs
from pasienis.resolve.runs import RunParams, latest_model, run_batch
from pasienis.store import Store

JOB_KIND = "resolve"
INCREMENTAL_JOB = "resolve.incremental"
IMPORT_TOPIC = "import.completed"


def params_of(p: dict[str, Any]) -> RunParams:
    keys = ("merge_threshold", "review_threshold", "seed", "max_pairs", "engine")
    return RunParams(**{k: p[k] for k in keys if p.get(k) is not None})


def resolve_job(ctx: JobContext) -> dict[str, Any]:
    """Params: ``kinds`` (default all), thresholds, ``seed``, ``max_pairs``, ``engine``."""
    kinds = ctx.params.get("kinds") or list(KINDS)
    params = params_of(ctx.params)
    runs = []
    for i, kind in enumerate(kinds):

        def progress(done: int, total: int | None, message: str, i: int = i) -> None:
            ctx.progress(i * 4 + done, len(kinds) * 4, message)

        runs.append(run_batch(ctx.store, kind=kind, params=params, created_by=ctx.created_by,
                              progress=progress))  # fmt: skip
    return {"runs": [_summary(r) for r in runs]}


def incremental_job(ctx: JobContext) -> dict[str, Any]:
    """Params: ``import_run_id``; resolves that import's records of every kind with a model."""
    return {"runs": [_summary(r) for r in resolve_import(ctx.store, ctx.params["import_run_id"],
                                                          created_by=ctx.created_by)]}  # fmt: skip


def resolve_import(store: Store, import_run_id: str, *, created_by: str | None = None) -> list:
    """Incremental runs for one import, for each kind that has a trained model."""
    out = []
    for kind in KINDS:
        with store.read() as conn:
            if latest_model(conn, kind) is None:
                continue
        out.append(resolve_new(store, kind=kind, import_run_id=import_run_id,
                               created_by=created_by))  # fmt: skip
    return out


def pending_imports(store: Store) -> list[str]:
    """Completed imports no incremental run has seen (for the CLI, which has no bus loop)."""
    with store.read() as conn:
        done = set(conn.execute(select(resolution_runs.c.import_run_id).where(
            resolution_runs.c.import_run_id.is_not(None))).scalars())  # fmt: skip
        events = events_since(conn, cursor=0, topics=[IMPORT_TOPIC], limit=100_000)
        starts = [m["started_at"] for k in KINDS if (m := latest_model(conn, k))]
    if not starts:
        return []
    since = min(starts)
    return [e.payload["id"] for e in events
            if e.published_at >= since and e.payload.get("id") not in done]  # fmt: skip


def on_import_completed(submit: Callable[[str, dict[str, Any]], Any]) -> Callable[[BusEvent], None]:
    """A bus handler that queues incremental resolution of each finished import."""

    def handler(event: BusEvent) -> None:
        run_id = event.payload.get("id")
        if run_id and event.payload.get("entities"):
            submit(INCREMENTAL_JOB, {"import_run_id": run_id})

    return handler


def _summary(run: dict[str, Any]) -> dict[str, Any]:
    return {k: run[k] for k in ("id", "kind", "mode", "status", "counts", "error")}
