"""Import runs: who imported which file (name and hash) with which mapping, and the counts.

A run commits in batches; each batch's statements, events, quarantine entries and the run's
checkpoint (records done) go in one transaction, so a run killed half-way leaves the store
consistent and is resumed from its checkpoint by the next import of the same file.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from pasienis.ingest.errors import ImportRunNotFoundError
from pasienis.ingest.models import import_runs, quarantine
from pasienis.ingest.pipeline import Output
from pasienis.ingest.rows import EventTarget, with_statement_ids
from pasienis.model import make_id
from pasienis.model.events import EVENT_TABLES
from pasienis.model.models import retracted_runs, statements
from pasienis.model.service import write_statements
from pasienis.security import ensure_datasets
from pasienis.store import OnConflict, Store

QUARANTINE_COLUMNS = (
    "id", "run_id", "dataset", "source_name", "locator", "field", "value", "reason",
    "record", "status", "first_seen", "last_seen", "kind", "entity_id", "prop",
)  # fmt: skip
#: Statuses of a finished run that imported its file (a re-import of it is "unchanged").
DONE_STATUSES = ("completed", "completed_with_quarantine")


@dataclass(frozen=True)
class RunKey:
    """What identifies the same import: dataset, file content and mapping content."""

    dataset: str
    content_hash: str
    mapping_hash: str


def now() -> datetime:
    return datetime.now(UTC)


def run_dict(row: Any) -> dict[str, Any]:
    found = {c: getattr(row, c) for c in import_runs.columns.keys()}  # noqa: SIM118 - Column collection
    if "retracted" in row._fields:
        found["retracted"] = bool(row.retracted)
    return found


def _with_retracted() -> Any:
    """Runs with whether they are retracted (:mod:`.retraction`)."""
    flag = select(retracted_runs.c.run_id).where(retracted_runs.c.run_id == import_runs.c.id)
    return select(import_runs, flag.exists().label("retracted"))


def find_run(conn: Connection, key: RunKey, status: str | tuple[str, ...]) -> dict[str, Any] | None:
    """The latest run of ``key`` in ``status`` (:data:`DONE_STATUSES`: unchanged file;
    running: resume)."""
    statuses = (status,) if isinstance(status, str) else status
    row = conn.execute(
        select(import_runs)
        .where(
            and_(
                import_runs.c.dataset == key.dataset,
                import_runs.c.content_hash == key.content_hash,
                import_runs.c.mapping_hash == key.mapping_hash,
                import_runs.c.status.in_(statuses),
            )
        )
        .order_by(import_runs.c.started_at.desc())
        .limit(1)
    ).first()
    return run_dict(row) if row is not None else None


#: Classification of a dataset first seen in an import; administrators reclassify it.
DEFAULT_CLASSIFICATION = "restricted"


def start_run(store: Store, key: RunKey, **fields: Any) -> dict[str, Any]:
    """Record a new running import."""
    run_id = uuid.uuid4().hex
    values = {
        "id": run_id,
        "dataset": key.dataset,
        "content_hash": key.content_hash,
        "mapping_hash": key.mapping_hash,
        "status": "running",
        "started_at": now(),
        "checkpoint": 0,
        **dict.fromkeys(
            ("records", "entities", "statements", "events", "quarantined", "quarantined_values"), 0
        ),
        **fields,
    }
    with store.begin() as conn:
        conn.execute(import_runs.insert().values(**values))
        # A dataset must be registered (with a classification) before a grant can open it;
        # unregistered datasets are invisible to everyone.
        ensure_datasets(conn, [key.dataset], classification=DEFAULT_CLASSIFICATION)
        return get_run(conn, run_id=run_id)


def get_run(conn: Connection, *, run_id: str) -> dict[str, Any]:
    query = _with_retracted()
    if len(run_id) < 32:  # a short id, as listed: any unique prefix
        query = query.where(import_runs.c.id.startswith(run_id, autoescape=True)).limit(2)
    else:
        query = query.where(import_runs.c.id == run_id)
    rows = conn.execute(query).all()
    if not rows:
        raise ImportRunNotFoundError(f"no import run {run_id!r}")
    if len(rows) > 1:
        raise ImportRunNotFoundError(
            f"{run_id!r} is the start of several run ids", hint="give more of the id"
        )
    return run_dict(rows[0])


def list_runs(
    conn: Connection,
    *,
    dataset: str | None = None,
    datasets: Iterable[str] | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Runs, newest first; ``datasets`` limits them to those (a caller's visible datasets)."""
    query = _with_retracted().order_by(import_runs.c.started_at.desc()).limit(limit)
    if dataset:
        query = query.where(import_runs.c.dataset == dataset)
    if datasets is not None:
        query = query.where(import_runs.c.dataset.in_(sorted(datasets)))
    return [run_dict(r) for r in conn.execute(query)]


def _quarantine_rows(out: Output, run: dict[str, Any], seen: datetime) -> list[tuple[Any, ...]]:
    rows = []
    for record, problem in out.quarantine:
        raw = {"fields": record.fields, "groups": record.groups} if record.groups else record.fields
        field, value, reason = problem.summary()
        if problem.kind == "value":  # one entry per value: a record may have several
            entry_id = make_id(
                "quarantine", run["dataset"], record.locator, problem.entity_id or "",
                problem.prop or "", problem.value or "",
            )  # fmt: skip
        else:
            entry_id = make_id("quarantine", run["dataset"], record.locator)
        rows.append((
            entry_id, run["id"], run["dataset"], run["source_name"], record.locator, field,
            value, reason, raw, "open", seen, seen, problem.kind, problem.entity_id, problem.prop,
        ))  # fmt: skip
    return rows


def commit_batch(
    store: Store,
    run: dict[str, Any],
    out: Output,
    checkpoint: int,
    targets: dict[str, EventTarget],
) -> dict[str, int]:
    """Write one batch and advance the run's checkpoint, atomically, in a transaction of its
    own (:func:`write_batch`)."""
    with store.begin() as conn:
        return write_batch(store, conn, run, out, checkpoint, targets)


def write_batch(
    store: Store,
    conn: Connection,
    run: dict[str, Any],
    out: Output,
    checkpoint: int,
    targets: dict[str, EventTarget],
) -> dict[str, int]:
    """Write one batch and advance the run's checkpoint in the caller's write transaction
    (event and statement ids made here when the batch leaves them to the writer,
    :attr:`Output.writer_ids`). Whatever commits it commits the checkpoint with the rows, so
    a resumed import starts exactly after the last batch committed."""
    seen = now()
    counts = {"records": out.records, "entities": out.entities, "statements": 0, "events": 0}
    values = sum(1 for _record, problem in out.quarantine if problem.kind == "value")
    counts["quarantined"] = len(out.quarantine) - values
    counts["quarantined_values"] = values
    if out.statements:
        rows = with_statement_ids(out.statements) if out.writer_ids else out.statements
        counts["statements"] = write_statements(store, conn, rows, converted=out.bound)
    for event_name, rows in out.events.items():
        target = targets[event_name]
        # An event stated again keeps its row and takes this run's stamp (a statement's
        # last_seen): retracting the run that first wrote it leaves it live (model.live).
        counts["events"] += store.bulk_insert(
            conn, EVENT_TABLES[target.table], target.columns,
            target.with_ids(rows) if out.writer_ids else rows,
            on_conflict=OnConflict.TOUCH, touch=(),
            restamp={"last_seen": run["started_at"]},
            converted=out.bound,
        )  # fmt: skip
    if out.quarantine:
        store.bulk_insert(
            conn, quarantine, QUARANTINE_COLUMNS, _quarantine_rows(out, run, seen),
            on_conflict=OnConflict.TOUCH,
        )  # fmt: skip
    values = {c: getattr(import_runs.c, c) + n for c, n in counts.items()}
    conn.execute(
        update(import_runs)
        .where(import_runs.c.id == run["id"])
        .values(checkpoint=checkpoint, **values)
    )
    return counts


def run_status(run: dict[str, Any]) -> str:
    """What a run that read its whole file did: completed, or completed with quarantine."""
    if run["quarantined"] or run.get("quarantined_values"):
        return "completed_with_quarantine"
    return "completed"


def entities_in_store(conn: Connection, run: dict[str, Any]) -> int:
    """Entities of the run's dataset the run wrote or saw again (their ``id`` statement's
    ``last_seen`` is the run's time): the count the store holds, whatever the caches did.

    One pass over the table, not ``ix_statements_prop_type_value``: about every fourth
    statement is an ``id`` statement, and SQLite, which has no statistics, would walk the
    index and look each of them up in the table at random (1M crossings, 150k entities:
    1.2 s against 0.09 s for the scan, docs/benchmarks.md session 9). Comparing
    ``prop_type || ''`` (the same text: the column is never null) keeps any index out."""
    query = (
        select(func.count())
        .select_from(statements)
        .where(
            statements.c.prop_type.concat("") == "id",
            statements.c.dataset == run["dataset"],
            statements.c.last_seen >= run["started_at"],
        )
    )
    return int(conn.execute(query).scalar() or 0)


def finish_run(
    store: Store,
    run: dict[str, Any],
    *,
    status: str,
    error: str | None = None,
    warnings: list[str] | None = None,
    on_finish: Callable[[Connection, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Close the run; a completed run resolves quarantine entries its file no longer produces
    and counts its entities from the store.

    ``on_finish(conn, finished_run)`` runs in the same transaction (the ``import.completed``
    event: a run is never closed without it, so followers never miss a run).
    """
    with store.begin() as conn:
        values: dict[str, Any] = {"status": status, "error": error, "finished_at": now()}
        if warnings:
            values["warnings"] = warnings
        if status in DONE_STATUSES:
            with store.dialect.one_pass(conn):  # a scan: the write path's cache not filled
                values["entities"] = entities_in_store(conn, run)
        conn.execute(update(import_runs).where(import_runs.c.id == run["id"]).values(**values))
        if status in DONE_STATUSES:
            conn.execute(
                update(quarantine)
                .where(
                    and_(
                        quarantine.c.dataset == run["dataset"],
                        quarantine.c.source_name == run["source_name"],
                        quarantine.c.status == "open",
                        quarantine.c.last_seen < run["started_at"],
                    )
                )
                .values(status="resolved", resolved_run_id=run["id"])
            )
        finished = get_run(conn, run_id=run["id"])
        if on_finish is not None:
            on_finish(conn, finished)
        return finished
