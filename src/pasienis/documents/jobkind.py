"""The ``documents`` job kind: ingest uploaded files in the job worker, with progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pasienis.config import Settings
from pasienis.documents.options import Options
from pasienis.documents.service import ingest_paths
from pasienis.jobs import JobContext

JOB_KIND = "documents"
#: Re-link mentions whose candidates resolve differently now (submitted after resolve jobs).
RELINK_JOB = "documents.relink"
#: Documents listed in a job's result (problems first); the counts cover all of them.
RESULT_DOCUMENTS = 1_000


def documents_job(settings: Settings) -> Any:
    """A job handler bound to ``settings``. Params: ``paths`` (list), ``dataset``, ``force``,
    ``link_datasets`` (the uploader's datasets)."""

    def run(ctx: JobContext) -> dict[str, Any]:
        p = ctx.params
        linked = p.get("link_datasets")
        options = Options.from_settings(
            settings,
            dataset=p.get("dataset"),
            force=bool(p.get("force")),
            link_datasets=frozenset(linked) if linked is not None else None,
        )

        def progress(done: int, total: int | None, message: str) -> None:
            ctx.progress(done, total, message)

        report = ingest_paths(
            ctx.store, [Path(x) for x in p["paths"]], options=options,
            created_by=ctx.created_by, job_id=ctx.job_id, progress=progress,
        )  # fmt: skip
        total = len(p["paths"])
        ctx.progress(total, total, "done", force=True)
        return report.to_dict(limit=RESULT_DOCUMENTS)

    return run


def relink_job(ctx: JobContext) -> dict[str, Any]:
    """Re-decide the links of documents whose candidates a resolution run changed."""
    from pasienis.documents.links import relink_mentions

    return {"linked": relink_mentions(ctx.store, stale_only=True)}
