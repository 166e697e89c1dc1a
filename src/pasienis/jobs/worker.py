"""The in-process job worker: one thread runs registered job kinds, reporting progress.

Why a thread and not a task queue: pasienis is one process (embedded SQLite by default), and
imports are I/O and SQLite bound; the state still goes to the store, so pollers in other
processes see it. A handler gets a :class:`JobContext` and reports progress through it; a
cancelled job stops at its next progress report.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pasienis.errors import PasienisError
from pasienis.jobs import service
from pasienis.jobs.errors import JobCancelledError, UnknownJobKindError
from pasienis.jobs.service import JobStatus
from pasienis.store import Store

log = logging.getLogger(__name__)

#: Seconds between persisted progress updates (the store is not a metrics sink).
PROGRESS_INTERVAL = 0.5


@dataclass
class JobContext:
    """What a running job handler sees: its parameters and a progress callback."""

    store: Store
    job_id: str
    params: dict[str, Any]
    created_by: str | None
    _cancelled: Callable[[str], bool] = field(repr=False, default=lambda _id: False)
    _last: float = field(default=0.0, repr=False)

    def progress(
        self,
        done: int,
        total: int | None = None,
        message: str | None = None,
        *,
        force: bool = False,
    ) -> None:
        """Report progress (persisted at most every half second); raises when cancelled."""
        if self._cancelled(self.job_id):
            raise JobCancelledError(f"job {self.job_id} was cancelled")
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            service.set_progress(
                self.store, job_id=self.job_id, done=done, total=total, message=message
            )


JobHandler = Callable[[JobContext], dict[str, Any] | None]


class JobRunner:
    """Registry of job kinds and the worker thread that runs queued jobs in order."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._handlers: dict[str, JobHandler] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._cancel: set[str] = set()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def register(self, kind: str, handler: JobHandler) -> None:
        """Make ``kind`` runnable."""
        self._handlers[kind] = handler

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    def submit(
        self,
        kind: str,
        params: dict[str, Any] | None = None,
        *,
        created_by: str | None = None,
        dataset: str | None = None,
    ) -> str:
        """Queue a job and return its id; the worker thread starts on first use.

        ``dataset``: the dataset the job reads or writes; only its grant holders see the job.
        """
        if kind not in self._handlers:
            raise UnknownJobKindError(
                f"no job kind {kind!r}", hint=f"known kinds: {', '.join(self.kinds) or 'none'}"
            )
        job_id = service.create_job(
            self.store, kind=kind, params=params, created_by=created_by, dataset=dataset
        )
        self._ensure_thread()
        self._queue.put(job_id)
        return job_id

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a queued job, or ask a running one to stop."""
        self._cancel.add(job_id)
        return service.request_cancel(self.store, job_id=job_id)

    def wait(self, job_id: str, timeout: float = 600.0) -> dict[str, Any]:
        """Block until the job is final (for the CLI and tests); returns the job.

        A job still running after ``timeout`` raises :class:`TimeoutError` naming its status
        and progress, rather than handing back a job that is not done as if it were.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self.store.read() as conn:
                job = service.get_job(conn, job_id=job_id)
            if job["status"] in service.FINAL:
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"job {job_id} ({job['kind']}) is still {job['status']} after "
                    f"{timeout:g} s ({job['progress_done']} of {job['progress_total'] or '?'} done)"
                )
            time.sleep(0.05)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop the worker after the job it is running."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="pasienis-jobs", daemon=True
                )
                self._thread.start()

    def _loop(self) -> None:
        while (job_id := self._queue.get()) is not None:
            try:
                self._run(job_id)
            except Exception:  # the worker must survive anything a job does
                log.exception("job %s crashed the worker loop", job_id)

    def _run(self, job_id: str) -> None:
        with self.store.read() as conn:
            job = service.get_job(conn, job_id=job_id)
        if job["status"] != JobStatus.queued:
            return
        service.mark_running(self.store, job_id=job_id)
        ctx = JobContext(
            store=self.store,
            job_id=job_id,
            params=job["params"] or {},
            created_by=job["created_by"],
            _cancelled=self._cancel.__contains__,
        )
        finish = service.finish_job
        try:
            result = self._handlers[job["kind"]](ctx)
        except JobCancelledError as exc:
            finish(self.store, job_id=job_id, status=JobStatus.cancelled, error=str(exc))
        except PasienisError as exc:
            message = exc.message + (f" (hint: {exc.hint})" if exc.hint else "")
            finish(self.store, job_id=job_id, status=JobStatus.failed, error=message)
        except Exception as exc:
            log.exception("job %s (%s) failed", job_id, job["kind"])
            finish(self.store, job_id=job_id, status=JobStatus.failed, error=repr(exc))
        else:
            finish(self.store, job_id=job_id, status=JobStatus.succeeded, result=result or {})
        finally:
            self._cancel.discard(job_id)
