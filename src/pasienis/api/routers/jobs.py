"""Jobs: poll background work (imports, ...) and cancel it.

A job of a dataset (an import) is shown only to those who may see the dataset, like the
entities it writes; administrators see every job of the datasets they may see, others their
own. Server file paths in a job's parameters are shown to administrators only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from pasienis.api.deps import Principal, Role, require, visible_datasets
from pasienis.jobs import get_job, list_jobs
from pasienis.jobs.errors import JobNotFoundError

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
Worker = Annotated[Principal, Depends(require(Role.administrator, Role.analyst, Role.dispatcher))]
#: Job parameters that hold server paths: reduced to the file name for non-administrators.
PATH_PARAMS = ("path", "mapping_path")


def _visible(job: dict[str, Any], principal: Principal) -> bool:
    """Own jobs (every job for administrators), and only of datasets the caller may see."""
    mine = Role.administrator in principal.roles or job["created_by"] == principal.name
    return mine and (job["dataset"] is None or job["dataset"] in visible_datasets(principal))


def _shown(job: dict[str, Any], principal: Principal) -> dict[str, Any]:
    if principal.has(Role.administrator):
        return job
    params = dict(job.get("params") or {})
    shown = dict(job)
    for key in PATH_PARAMS:
        if isinstance(params.get(key), str):
            full = params[key]
            params[key] = Path(full).name
            for field in ("error", "message"):
                if isinstance(shown.get(field), str):
                    shown[field] = shown[field].replace(full, params[key])
    shown["params"] = params
    return shown


@router.get("")
def jobs(
    request: Request,
    principal: Worker,
    kind: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Newest jobs first (your own, or all for administrators) of the datasets you may see."""
    mine = None if Role.administrator in principal.roles else principal.name
    with request.app.state.store.read() as conn:
        found = list_jobs(
            conn, kind=kind, status=status, created_by=mine,
            datasets=visible_datasets(principal), limit=limit,
        )  # fmt: skip
    return [_shown(j, principal) for j in found]


def _one(job_id: str, request: Request, principal: Principal) -> dict[str, Any]:
    with request.app.state.store.read() as conn:
        found = get_job(conn, job_id=job_id)
    if not _visible(found, principal):
        raise JobNotFoundError(f"no job {job_id!r}")
    return found


@router.get("/{job_id}")
def job(job_id: str, request: Request, principal: Worker) -> dict[str, Any]:
    """One job: status, progress (done/total), message, result or error."""
    return _shown(_one(job_id, request, principal), principal)


@router.post("/{job_id}/cancel")
def cancel(job_id: str, request: Request, principal: Worker) -> dict[str, Any]:
    """Cancel a queued job, or ask a running one to stop at its next progress report."""
    _one(job_id, request, principal)
    return _shown(request.app.state.jobs.cancel(job_id), principal)
