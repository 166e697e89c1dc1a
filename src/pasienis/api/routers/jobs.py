"""Jobs: poll background work (imports, ...) and cancel it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from pasienis.api.deps import Principal, Role, require
from pasienis.jobs import get_job, list_jobs
from pasienis.jobs.errors import JobNotFoundError

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
Worker = Annotated[Principal, Depends(require(Role.administrator, Role.analyst, Role.dispatcher))]


def _visible(job: dict[str, Any], principal: Principal) -> bool:
    """Administrators see every job; others see the jobs they started."""
    return Role.administrator in principal.roles or job["created_by"] == principal.name


@router.get("")
def jobs(
    request: Request,
    principal: Worker,
    kind: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Newest jobs first (your own, or all for administrators)."""
    mine = None if Role.administrator in principal.roles else principal.name
    with request.app.state.store.read() as conn:
        return list_jobs(conn, kind=kind, status=status, created_by=mine, limit=limit)


@router.get("/{job_id}")
def job(job_id: str, request: Request, principal: Worker) -> dict[str, Any]:
    """One job: status, progress (done/total), message, result or error."""
    with request.app.state.store.read() as conn:
        found = get_job(conn, job_id=job_id)
    if not _visible(found, principal):
        raise JobNotFoundError(f"no job {job_id!r}")
    return found


@router.post("/{job_id}/cancel")
def cancel(job_id: str, request: Request, principal: Worker) -> dict[str, Any]:
    """Cancel a queued job, or ask a running one to stop at its next progress report."""
    job(job_id, request, principal)
    return request.app.state.jobs.cancel(job_id)
