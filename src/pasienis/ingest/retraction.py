"""Retracting an import run (or a whole dataset) from the live view, and restoring it.

A test import must not stay mixed into shared entities. Retraction records the run in
``retracted_runs``; every read of the live view leaves out statements and events of those
runs (:func:`pasienis.model.live`), so nothing is deleted and restoring brings it all back.
A statement or event keeps the run that first wrote it: retracting a later run that saw the
same values again hides nothing of them. Retracting the first run hides none of its
statements and events that a later, live run stated again (their ``last_seen`` is that run's
start, :func:`pasienis.model.live`). Both actions are
audited, and published on the bus (``import.retracted``, ``import.restored``: the search
index follows them), in their own transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from pasienis.ingest.errors import IngestError
from pasienis.ingest.models import import_runs
from pasienis.ingest.runs import get_run, now
from pasienis.jobs import publish_in
from pasienis.model.models import retracted_runs
from pasienis.security import AuditEntry, append_in
from pasienis.store import Store


def retract_run(
    store: Store, *, run_id: str, by: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    """Take one run's statements and events out of the live view (idempotent)."""
    with store.begin() as conn:
        run = get_run(conn, run_id=run_id)
        if run["status"] == "running":
            raise IngestError(f"run {run_id} is still running", hint="retract it when it ends")
        known = conn.execute(
            select(retracted_runs.c.run_id).where(retracted_runs.c.run_id == run_id)
        ).first()
        if known is None:
            row = {"run_id": run_id, "dataset": run["dataset"], "retracted_by": by,
                   "retracted_at": now(), "reason": reason,
                   "run_seen_at": run["started_at"]}  # fmt: skip
            conn.execute(retracted_runs.insert().values(**row))
            _audit(conn, "import.retracted", run, by, reason)
            _announce(conn, "import.retracted", run)
    return {**run, "retracted": True}


def _audit(conn: Any, action: str, run: dict[str, Any], by: str | None, why: str | None) -> None:
    detail = {"run_id": run["id"], "dataset": run["dataset"], "source": run["source_name"]}
    append_in(conn, AuditEntry(action=action, actor_name=by, detail=detail, purpose=why))


def _announce(conn: Any, topic: str, run: dict[str, Any]) -> None:
    """On the bus with the change, for the followers that index by run (search)."""
    publish_in(conn, topic=topic, payload={"id": run["id"], "dataset": run["dataset"]})


def restore_run(store: Store, *, run_id: str, by: str | None = None) -> dict[str, Any]:
    """Bring a retracted run's statements and events back into the live view."""
    with store.begin() as conn:
        run = get_run(conn, run_id=run_id)
        gone = conn.execute(delete(retracted_runs).where(retracted_runs.c.run_id == run_id))
        if gone.rowcount:
            _audit(conn, "import.restored", run, by, None)
            _announce(conn, "import.restored", run)
    return {**run, "retracted": False}


def retract_dataset(
    store: Store, *, dataset: str, by: str | None = None, reason: str | None = None
) -> list[str]:
    """Retract every finished run of ``dataset``; the ids retracted."""
    with store.read() as conn:
        ids = list(
            conn.execute(
                select(import_runs.c.id).where(
                    import_runs.c.dataset == dataset, import_runs.c.status != "running"
                )
            ).scalars()
        )
    if not ids:
        raise IngestError(f"no finished import runs of dataset {dataset!r}")
    for run_id in ids:
        retract_run(store, run_id=run_id, by=by, reason=reason)
    return ids


def retracted_ids(conn: Any) -> set[str]:
    """Ids of the retracted runs."""
    return set(conn.execute(select(retracted_runs.c.run_id)).scalars())
