"""The ``import`` job kind: run an import in the job worker, reporting progress to the job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pasienis.ingest.bulk import DEFAULT_DEFER_FROM
from pasienis.ingest.mapping import load_mapping, parse_mapping
from pasienis.ingest.mappings.scenario import FOLDER as SCENARIO_MAPPINGS
from pasienis.ingest.pipeline import CACHE_LIMIT
from pasienis.ingest.service import run_import
from pasienis.ingest.writer import PROCESS_FROM
from pasienis.jobs import JobContext
from pasienis.security import Principal, PrincipalKind, principal_for_user

JOB_KIND = "import"


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
    ``dataset``, ``source_name``, ``force``, ``batch_size``, ``defer_indexes_from``,
    ``writer_process_from``, ``cache_entries``, ``acting_user_id`` (the account the import
    acts for; its grants are read again when the job runs, so a revoked grant stops it)."""
    p = ctx.params
    if p.get("mapping_text"):
        mapping = parse_mapping(p["mapping_text"], name=p.get("mapping_name") or "uploaded mapping")
    elif p.get("mapping_path"):
        mapping = load_mapping(Path(p["mapping_path"]))
    else:
        mapping = None

    def progress(done: int, total: int | None, message: str) -> None:
        ctx.progress(done, total, message)

    result = run_import(
        ctx.store, source=Path(p["path"]), mapping=mapping, fmt=p.get("format"),
        dataset=p.get("dataset"), created_by=ctx.created_by, job_id=ctx.job_id,
        progress=progress, force=bool(p.get("force")), source_name=p.get("source_name"),
        batch_size=int(p.get("batch_size") or 5_000),
        defer_indexes_from=int(p.get("defer_indexes_from", DEFAULT_DEFER_FROM)),
        writer_process_from=int(p.get("writer_process_from", PROCESS_FROM)),
        cache_entries=int(p.get("cache_entries", CACHE_LIMIT)),
        acting=_acting(ctx),
    )  # fmt: skip
    ctx.progress(result.run["records"], result.run["records"], "done", force=True)
    return result.to_dict()


def _acting(ctx: JobContext) -> Principal | None:
    """The principal the job acts for, with its grants as they are now."""
    user_id = ctx.params.get("acting_user_id")
    if not user_id:
        return None
    with ctx.store.read() as conn:
        return principal_for_user(conn, str(user_id), PrincipalKind.user)
