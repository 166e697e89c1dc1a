"""Background jobs with progress (state in the store) and the internal event bus.

Public surface: :class:`JobRunner`, :class:`JobContext`, :class:`JobStatus`, :func:`get_job`,
:func:`list_jobs`, :class:`Bus`, :class:`BusEvent`, :func:`publish_in`, :func:`events_since`.
"""

from pasienis.jobs.bus import Bus, BusEvent, events_since, latest_event_id, publish_in
from pasienis.jobs.errors import JobCancelledError, JobError, JobNotFoundError, UnknownJobKindError
from pasienis.jobs.service import FINAL, JobStatus, get_job, list_jobs
from pasienis.jobs.worker import JobContext, JobHandler, JobRunner

__all__ = [
    "FINAL",
    "Bus",
    "BusEvent",
    "JobCancelledError",
    "JobContext",
    "JobError",
    "JobHandler",
    "JobNotFoundError",
    "JobRunner",
    "JobStatus",
    "UnknownJobKindError",
    "events_since",
    "get_job",
    "latest_event_id",
    "list_jobs",
    "publish_in",
]
