"""Alerts: raised with their evidence in the caller's transaction, then acted upon.

:func:`raise_alerts` writes alerts and one ``watch.alert`` bus event in the transaction that
stores (or screens) the record, so a crash either keeps both or neither; the alert id is a
hash of (entry, record), so screening again never raises one twice. Readers see an alert
only when they may read both the record's and the entry's dataset, and not while the import
run that raised it is retracted (:func:`visible_alerts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from pasienis.jobs import BusEvent, publish_in
from pasienis.model import live, make_id
from pasienis.model.events import declarations, plate_reads
from pasienis.model.models import statements
from pasienis.store import Store
from pasienis.watch.errors import AlertStateError, WatchNotFoundError
from pasienis.watch.index import Hit, Subject
from pasienis.watch.models import watch_alerts
from pasienis.watch.service import now

TOPIC = "watch.alert"
#: ``withdrawn``: set by re-screening (:mod:`.rescreen`) when the store's later records no
#: longer support an open alert; an officer's acknowledged or dismissed alert is never changed.
STATUSES = ("open", "acknowledged", "dismissed", "withdrawn")
ALERT_COLUMNS = tuple(c.name for c in watch_alerts.columns)


def alert_id(entry_id: str, record_kind: str, record_id: str, dataset: str) -> str:
    """One alert per entry and record; an entity's record is its statements in one dataset
    (so each compartment that holds a match has its own alert to see)."""
    return make_id("watch-alert", entry_id, record_kind, record_id, dataset)


def record_evidence(subject: Subject) -> dict[str, Any]:
    """What an alert shows of its record: the record as screened (own and borrowed dates)."""
    return {
        "kind": subject.record_kind,
        "id": subject.record_id,
        "dataset": subject.dataset,
        "schema": subject.schema,
        "names": subject.names,
        "birth_dates": sorted(subject.birth_dates - subject.borrowed_birth_dates.keys()),
        "borrowed_birth_dates": {
            dob: list(sources) for dob, sources in sorted(subject.borrowed_birth_dates.items())
        },
        "plates": subject.plates,
        **subject.extra,
    }


def stored_row(subject: Subject, hit: Hit, stamp: datetime) -> dict[str, Any]:
    """The ``watch_alerts`` row of a hit, open, with its evidence."""
    entry = hit.entry
    evidence = {"record": record_evidence(subject), "entry": entry.to_dict()}
    occurred = subject.extra.get("occurred_at")
    return {
        "id": alert_id(entry.id, subject.record_kind, subject.record_id, subject.dataset),
        "entry_id": entry.id,
        "list_id": entry.list_id,
        "entry_dataset": entry.dataset,
        "kind": entry.kind,
        "record_kind": subject.record_kind,
        "record_id": subject.record_id,
        "record_dataset": subject.dataset,
        "run_id": subject.run_id,
        "score": hit.score,
        "matched": list(hit.matched),
        "evidence": evidence,
        "priority": entry.priority,
        "status": "open",
        "status_reason": None,
        "status_by": None,
        "status_at": None,
        "occurred_at": datetime.fromisoformat(occurred) if occurred else None,
        "lat": subject.extra.get("lat"),
        "lon": subject.extra.get("lon"),
        "created_at": stamp,
    }


def raise_alerts(
    store: Store, conn: Connection, found: Sequence[tuple[Subject, Hit]]
) -> tuple[list[str], BusEvent | None]:
    """Write the alerts not raised before and one bus event naming them (same transaction)."""
    if not found:
        return [], None
    stamp = now()
    rows = {}
    for subject, hit in found:
        row = stored_row(subject, hit, stamp)
        rows[row["id"]] = row
    existing: set[str] = set()
    ids = sorted(rows)
    for start in range(0, len(ids), 500):
        q = select(watch_alerts.c.id).where(watch_alerts.c.id.in_(ids[start : start + 500]))
        existing.update(conn.execute(q).scalars())
    new = [rows[i] for i in ids if i not in existing]
    if not new:
        return [], None
    store.bulk_insert(
        conn, watch_alerts, ALERT_COLUMNS, [tuple(r[c] for c in ALERT_COLUMNS) for r in new]
    )
    new_ids = [r["id"] for r in new]
    event = publish_in(conn, topic=TOPIC, payload={"alert_ids": new_ids})
    return new_ids, event


def visible_alerts(q: Any, datasets: frozenset[str] | None) -> Any:
    """``q`` over the alerts a reader sees: raised in the live view (not by a record of a
    retracted import run: a test import's alerts leave with it, and return if it is restored)
    and, for ``datasets`` (those the caller may read; ``None`` = all), in both compartments.

    An alert of no run (raised when a watchlist came after its record, on a camera's read,
    by risk scoring) is seen while its record is: an entity with a live statement in the
    record's dataset, a plate read or declaration not retracted."""
    q = q.where(live(watch_alerts), or_(watch_alerts.c.run_id.is_not(None), _record_is_live()))
    if datasets is None:
        return q
    allowed = sorted(datasets)
    return q.where(
        watch_alerts.c.record_dataset.in_(allowed), watch_alerts.c.entry_dataset.in_(allowed)
    )


#: The event table of each kind of record an alert can be raised on, besides entities.
_EVENT_RECORDS = {"plate_read": plate_reads, "declaration": declarations}


def _record_is_live() -> Any:
    """The alert's record is in the live view (see :func:`visible_alerts`); a kind of record
    this does not know is taken as live."""
    kind = watch_alerts.c.record_kind
    entity = (
        select(statements.c.id)
        .where(
            statements.c.entity_id == watch_alerts.c.record_id,
            statements.c.dataset == watch_alerts.c.record_dataset,
            live(statements),
        )
        .exists()
    )
    known = ["entity", *_EVENT_RECORDS]
    found = [and_(kind == "entity", entity), kind.not_in(known)]
    for name, table in _EVENT_RECORDS.items():
        row = select(table.c.id).where(table.c.id == watch_alerts.c.record_id, live(table))
        found.append(and_(kind == name, row.exists()))
    return or_(*found)


def list_alerts(
    conn: Connection,
    *,
    datasets: frozenset[str] | None,
    status: str | None = None,
    kind: str | None = None,
    ids: Sequence[str] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Alerts newest first (``datasets``: those the caller may read; ``None`` = all)."""
    q = visible_alerts(select(watch_alerts), datasets)
    if status:
        q = q.where(watch_alerts.c.status == status)
    if kind:
        q = q.where(watch_alerts.c.kind == kind)
    if ids is not None:
        q = q.where(watch_alerts.c.id.in_(list(ids)))
    q = q.order_by(watch_alerts.c.created_at.desc(), watch_alerts.c.id).limit(limit).offset(offset)
    return [_public(r) for r in conn.execute(q)]


def get_alert(conn: Connection, *, alert_id: str, datasets: frozenset[str] | None) -> dict:
    row = conn.execute(
        visible_alerts(select(watch_alerts), datasets).where(watch_alerts.c.id == alert_id)
    )
    found = row.first()
    if found is None:
        raise WatchNotFoundError(f"no alert {alert_id!r}")
    return _public(found)


def _public(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    for key in ("created_at", "status_at", "occurred_at"):
        if out.get(key) is not None:
            out[key] = out[key].isoformat()
    return out


def set_status(
    conn: Connection,
    *,
    alert_id: str,
    status: str,
    reason: str,
    actor: str,
    datasets: frozenset[str] | None,
) -> dict[str, Any]:
    """Acknowledge or dismiss an alert with a reason; a dismissed alert stays dismissed."""
    if status not in {"acknowledged", "dismissed"}:
        raise AlertStateError(f"an alert cannot be set to {status!r}")
    alert = get_alert(conn, alert_id=alert_id, datasets=datasets)
    if alert["status"] in {"dismissed", "withdrawn"}:
        raise AlertStateError(f"the alert is {alert['status']} already")
    conn.execute(
        update(watch_alerts)
        .where(watch_alerts.c.id == alert_id)
        .values(status=status, status_reason=reason, status_by=actor, status_at=now())
    )
    return get_alert(conn, alert_id=alert_id, datasets=datasets)


def task_request(alert: dict[str, Any]) -> dict[str, Any]:
    """The ``alert.raised`` payload ops turns into a field task (its ``AlertIn`` shape)."""
    if alert["status"] == "withdrawn":
        raise AlertStateError(
            "the alert was withdrawn by re-screening", hint=alert["status_reason"] or ""
        )
    if alert["lat"] is None or alert["lon"] is None:
        raise AlertStateError(
            "the alert has no place to send a unit to", hint="only located alerts become tasks"
        )
    entry = alert["evidence"]["entry"]
    listed = entry.get("name") or ", ".join(i["value"] for i in entry.get("identifiers", []))
    record = alert["evidence"]["record"]
    return {
        "alert_id": alert["id"],
        "occurred_at": alert["occurred_at"] or alert["created_at"],
        "lat": alert["lat"],
        "lon": alert["lon"],
        "category": "risk" if alert["kind"] == "risk" else "watchlist",
        "priority": alert["priority"],
        "text": (
            f"Inspect: {listed}: {entry.get('reason')}"
            if alert["kind"] == "risk"
            else f"Watchlist {alert['kind']} {listed}: {entry.get('reason')}"
        ),
        "entity_ids": [e for e in (entry.get("entity_id"), record.get("vehicle_id")) if e],
        "evidence": {
            "matched": alert["matched"],
            "record": record,
            "entry": entry,
            "score": alert["score"],
        },
    }
