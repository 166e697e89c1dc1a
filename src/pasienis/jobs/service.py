"""Job records in the store: create, read, list, and move through their states.

State lives in the ``jobs`` table (not in memory) so that the API, the UI and another process
can poll a job that a worker thread runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, or_, select, update

from pasienis.jobs.errors import JobError, JobNotFoundError
from pasienis.jobs.models import jobs
from pasienis.store import Store


class JobStatus(StrEnum):
    """Life cycle of a job; the last three are final."""

    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


FINAL = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})


def _now() -> datetime:
    return datetime.now(UTC)


def create_job(
    store: Store,
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    created_by: str | None = None,
    dataset: str | None = None,
) -> str:
    """Record a queued job and return its id (``dataset``: the one it reads or writes)."""
    job_id = uuid.uuid4().hex
    now = _now()
    with store.begin() as conn:
        conn.execute(
            jobs.insert().values(
                id=job_id,
                kind=kind,
                status=JobStatus.queued.value,
                progress_done=0,
                params=params or {},
                created_by=created_by,
                dataset=dataset,
                created_at=now,
                updated_at=now,
            )
        )
    return job_id


def job_dict(row: Any) -> dict[str, Any]:
    """A job row as a plain dict (the shape the API returns)."""
    return {c: getattr(row, c) for c in jobs.columns.keys()}  # noqa: SIM118 - Column collection


def get_job(conn: Connection, *, job_id: str) -> dict[str, Any]:
    """One job by id, or :class:`JobNotFoundError`."""
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        raise JobNotFoundError(f"no job {job_id!r}")
    return job_dict(row)


def list_jobs(
    conn: Connection,
    *,
    kind: str | None = None,
    status: str | None = None,
    created_by: str | None = None,
    datasets: Iterable[str] | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest jobs first, optionally filtered; ``datasets`` keeps jobs of no dataset and jobs
    of those datasets (a caller's visible datasets: compartments apply to jobs too)."""
    query = select(jobs).order_by(jobs.c.created_at.desc()).limit(limit)
    if datasets is not None:
        query = query.where(or_(jobs.c.dataset.is_(None), jobs.c.dataset.in_(sorted(datasets))))
    if kind:
        query = query.where(jobs.c.kind == kind)
    if status:
        query = query.where(jobs.c.status == status)
    if created_by:
        query = query.where(jobs.c.created_by == created_by)
    return [job_dict(r) for r in conn.execute(query)]


def _set(store: Store, job_id: str, **values: Any) -> None:
    values["updated_at"] = _now()
    with store.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))


def mark_running(store: Store, *, job_id: str) -> None:
    """The worker picked the job up."""
    _set(store, job_id, status=JobStatus.running.value, started_at=_now())


def set_progress(
    store: Store, *, job_id: str, done: int, total: int | None, message: str | None = None
) -> None:
    """Persist progress so pollers see it."""
    values: dict[str, Any] = {"progress_done": done, "progress_total": total}
    if message is not None:
        values["message"] = message
    _set(store, job_id, **values)


def finish_job(
    store: Store,
    *,
    job_id: str,
    status: JobStatus,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Move a job to a final state with its result or error."""
    if status not in FINAL:
        raise JobError(f"{status} is not a final job status")
    _set(store, job_id, status=status.value, result=result, error=error, finished_at=_now())


def request_cancel(store: Store, *, job_id: str) -> dict[str, Any]:
    """Cancel a queued job at once; a running one stops at its next progress report."""
    with store.begin() as conn:
        job = get_job(conn, job_id=job_id)
        if job["status"] in FINAL:
            raise JobError(f"job {job_id} already {job['status']}")
        new = JobStatus.cancelled if job["status"] == JobStatus.queued else None
        values: dict[str, Any] = {"message": "cancel requested", "updated_at": _now()}
        if new is not None:
            values |= {"status": new.value, "finished_at": _now()}
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))
        return get_job(conn, job_id=job_id)
