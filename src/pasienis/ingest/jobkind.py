"""The ``import`` job kind: run an import for the job worker, reporting progress to the job.

The import runs in a process of its own (:mod:`.isolated`) where the store can be opened
there, so the API server that queued the job never gets an import's process-wide tuning
(the paused garbage collector, a writer child) or its GIL load; a store pinned to one
connection (tests) imports in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pasienis.ingest.isolated import run_import_isolated
from pasienis.ingest.mapping import load_mapping, parse_mapping
from pasienis.ingest.mappings.scenario import FOLDER as SCENARIO_MAPPINGS
from pasienis.ingest.service import ImportResult, run_import
from pasienis.jobs import JobContext
from pasienis.security import Principal, PrincipalKind, principal_for_user

JOB_KIND = "import"
#: Job parameters passed on to :func:`run_import` as they are (sizes come from settings).
_PASSED = ("force", "source_name", "batch_size", "defer_indexes_from", "writer_process_from",
           "cache_entries")  # fmt: skip


def shipped_mapping(name: str) -> Path:
    """A mapping shipped with pasienis, e.g. ``scenario/crossings``."""
    folder, _, stem = name.partition("/")
    if folder != "scenario" or not stem.replace("_", "").isalnum():
        raise FileNotFoundError(name)
    path = SCENARIO_MAPPINGS / f"{stem}.yml"
    if not path.is_file():
        raise FileNotFoundError(name)
    return path


def import_job(ctx: JobContext) -> dict[str, Any]:
    """Params: ``path``, and ``mapping_text`` (YAML) or ``mapping_path``; optional ``format``,
    ``dataset``, ``source_name``, ``force``, size overrides (``batch_size``...) and
    ``acting_user_id`` (the account the import acts for; its grants are read again when the
    job runs, so a revoked grant stops it)."""
    p = ctx.params
    kwargs: dict[str, Any] = {k: p[k] for k in _PASSED if p.get(k) is not None}
    kwargs |= {"fmt": p.get("format"), "dataset": p.get("dataset"),
               "created_by": ctx.created_by, "job_id": ctx.job_id,
               "acting": _acting(ctx)}  # fmt: skip

    def progress(done: int, total: int | None, message: str) -> None:
        ctx.progress(done, total, message)

    store = ctx.store
    if store.pinned is None and store.settings is not None:
        params = {**kwargs, "source": str(p["path"])}
        for key in ("mapping_text", "mapping_path", "mapping_name"):
            if p.get(key):
                params[key] = p[key]
        result = run_import_isolated(store.settings, params, progress)
    else:
        result = _in_place(ctx, kwargs, progress)
    ctx.progress(result.run["records"], result.run["records"], "done", force=True)
    return result.to_dict()


def _acting(ctx: JobContext) -> Principal | None:
    """The principal the job acts for, with its grants as they are now."""
    user_id = ctx.params.get("acting_user_id")
    if not user_id:
        return None
    with ctx.store.read() as conn:
        return principal_for_user(conn, str(user_id), PrincipalKind.user)


def _in_place(ctx: JobContext, kwargs: dict[str, Any], progress: Any) -> ImportResult:
    p = ctx.params
    if p.get("mapping_text"):
        mapping = parse_mapping(p["mapping_text"], name=p.get("mapping_name") or "uploaded mapping")
    elif p.get("mapping_path"):
        mapping = load_mapping(Path(p["mapping_path"]))
    else:
        mapping = None
    return run_import(
        ctx.store, source=Path(p["path"]), mapping=mapping, progress=progress, **kwargs
    )
