"""Re-screen the earlier records of a document when a new import tells its holder's birth date.

Why: a record screened without a birth date alerts on the name alone (:mod:`.borrow` lends it
one only from records already stored). When a later import brings another record of the same
passport with a birth date, the earlier alert's evidence has changed: a namesake born on
another day is no longer a match, and one born on the listed day now is. Left alone, the inbox
keeps an open alert the store contradicts — a wrong result that looks like success.

So after each chunk of a run is screened (:func:`.runs.screen_run`), stored records that
borrow from the chunk's dated records are screened again with the one rule: a match not raised
before is raised; an open alert's evidence is brought up to date (the birth date its passport now
gives); an *open* alert the rule no longer supports is ``withdrawn`` by the system,
with the reason and the new evidence (which record gives which birth date); a withdrawn alert
the rule supports again is reopened. Alerts an officer acknowledged or dismissed are theirs and
stay as they are. Every change is published on the alerts topic in the same transaction, so the
live inbox updates, and a crash re-screens the run on restart without doing anything twice.

Which records: those of a document that (a) a record with an open or withdrawn alert names
(:class:`AlertedDocuments`, read once per run from the alerts, not from every crossing of the
run's passports) or (b) a record of the chunk that raised an alert names — a borrower near the
list is a namesake of its lender, so a new match shows as the lender's own alert first. A
document of neither kind has no alert to change and, but for (b), none to raise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from pasienis.jobs import publish_in
from pasienis.model import live
from pasienis.model.models import statements
from pasienis.store import Store
from pasienis.watch.alerts import TOPIC, alert_id, raise_alerts, record_evidence, stored_row
from pasienis.watch.borrow import (
    DOCUMENT_PROPS,
    borrow_birth_dates,
    needs_birth_date,
    records_naming,
)
from pasienis.watch.index import Hit, Subject, WatchIndex
from pasienis.watch.models import watch_alerts
from pasienis.watch.screening import FACTS, screen, subjects_of_facts
from pasienis.watch.service import now

ACTOR = "re-screening"
_CHUNK = 2000


def lending_documents(subjects: Sequence[Subject]) -> set[tuple[str, str, str]]:
    """(dataset, property, value) of the documents the subjects tell a birth date of: person
    records with a birth date of their own (not one they borrowed) and a document."""
    found: set[tuple[str, str, str]] = set()
    for s in subjects:
        own = s.birth_dates - s.borrowed_birth_dates.keys()
        if s.schema == "Person" and own:
            found.update((s.dataset, prop, value) for prop, value in s.documents)
    return found


def borrowers(
    conn: Connection, documents: set[tuple[str, str, str]], *, screened: set[tuple[str, str]]
) -> list[Subject]:
    """Stored person records (live) naming one of ``documents`` in its dataset with no birth
    date of their own, other than those just ``screened`` ((record id, dataset))."""
    named = records_naming(conn, {v for _, _, v in documents}, {d for d, _, _ in documents})
    keys = {(eid, ds) for eid, ds, prop, value in named if (ds, prop, value) in documents}
    keys -= screened
    ids = sorted({eid for eid, _ in keys})
    subjects: list[Subject] = []
    for start in range(0, len(ids), _CHUNK):
        q = select(*FACTS).where(
            statements.c.entity_id.in_(ids[start : start + _CHUNK]), live(statements)
        )
        rows = conn.execute(q.order_by(statements.c.entity_id, statements.c.dataset))
        subjects.extend(
            s
            for s in subjects_of_facts(rows, run_id=None)
            if (s.record_id, s.dataset) in keys and needs_birth_date(s)
        )
    return subjects


class AlertedDocuments:
    """(dataset, property, value) of the documents named by records with an open or withdrawn
    alert: read once per run, added to as re-screening raises alerts."""

    def __init__(self, conn: Connection) -> None:
        q = (
            select(statements.c.dataset, statements.c.prop, statements.c.value)
            .select_from(watch_alerts)
            .join(statements, statements.c.entity_id == watch_alerts.c.record_id)
            .where(
                watch_alerts.c.record_kind == "entity",
                watch_alerts.c.status.in_(["open", "withdrawn"]),
                statements.c.dataset == watch_alerts.c.record_dataset,
                statements.c.prop.in_(sorted(DOCUMENT_PROPS)),
                live(statements),
            )
        )
        self.documents: set[tuple[str, str, str]] = {tuple(r) for r in conn.execute(q)}

    def add(self, subjects: Sequence[Subject]) -> None:
        self.documents.update((s.dataset, p, v) for s in subjects for p, v in s.documents)


def rescreen_borrowers(
    store: Store,
    reader: Connection,
    index: WatchIndex,
    run_subjects: Sequence[Subject],
    *,
    found: Sequence[tuple[Subject, Hit]],
    alerted: AlertedDocuments,
) -> dict[str, int]:
    """Screen again the stored records that borrow a birth date from ``run_subjects`` (whose
    screening gave ``found``); raise, update, withdraw and reopen alerts as the rule now says.
    Returns the counts of each."""
    documents = lending_documents(run_subjects)
    targets = (documents & alerted.documents) | lending_documents([s for s, _ in found])
    counts = {"raised": 0, "withdrawn": 0, "reopened": 0, "updated": 0}
    if not targets:
        return counts
    screened = {(s.record_id, s.dataset) for s in run_subjects}
    subjects = borrowers(reader, targets, screened=screened)
    if not subjects:
        return counts
    borrow_birth_dates(reader, subjects, threshold=index.name_threshold)
    hits = {
        alert_id(hit.entry.id, s.record_kind, s.record_id, s.dataset): (s, hit)
        for s, hit in screen(index, subjects)
    }
    by_record = {(s.record_id, s.dataset): s for s in subjects}
    with store.begin() as conn:
        stamp = now()
        changed: list[str] = []
        for row in _alerts_of(conn, by_record):
            again = hits.pop(row.id, None)
            if again is None and row.status == "open":
                subject = by_record[row.record_id, row.record_dataset]
                evidence = {**row.evidence, "record": record_evidence(subject)}
                _set(conn, row.id, status="withdrawn", status_reason=_reason(subject, row),
                     status_by=ACTOR, status_at=stamp, evidence=evidence)  # fmt: skip
                counts["withdrawn"] += 1
                changed.append(row.id)
            elif again is not None:
                subject, hit = again
                fresh = stored_row(subject, hit, stamp)
                current = {k: fresh[k] for k in ("evidence", "score", "matched")}
                if row.status == "withdrawn":
                    _set(conn, row.id, status="open", status_reason=_reopen_reason(hit),
                         status_by=ACTOR, status_at=stamp, **current)  # fmt: skip
                    counts["reopened"] += 1
                elif current != {k: getattr(row, k) for k in current}:
                    _set(conn, row.id, **current)  # still open, on the evidence as it is now
                    counts["updated"] += 1
                else:
                    continue
                changed.append(row.id)
        if changed:
            publish_in(conn, topic=TOPIC, payload={"alert_ids": changed})
    if hits:
        with store.begin() as conn:
            counts["raised"] = len(raise_alerts(store, conn, list(hits.values()))[0])
        alerted.add([s for s, _ in hits.values()])
    return counts


def _alerts_of(conn: Connection, records: dict[tuple[str, str], Subject]) -> list[Any]:
    ids = sorted({rid for rid, _ in records})
    rows: list[Any] = []
    for start in range(0, len(ids), 500):
        q = select(watch_alerts).where(
            watch_alerts.c.record_kind == "entity",
            watch_alerts.c.record_id.in_(ids[start : start + 500]),
            watch_alerts.c.status.in_(["open", "withdrawn"]),
        )
        rows.extend(r for r in conn.execute(q) if (r.record_id, r.record_dataset) in records)
    return sorted(rows, key=lambda r: r.id)


def _set(conn: Connection, alert: str, **values: Any) -> None:
    conn.execute(update(watch_alerts).where(watch_alerts.c.id == alert).values(**values))


def _reason(subject: Subject, row: Any) -> str:
    """Why the rule no longer supports the alert, in the words of its evidence."""
    listed = (row.evidence.get("entry") or {}).get("birth_date")
    told = ", ".join(
        f"{dob} (record {', '.join(s['record'] for s in sources)})"
        for dob, sources in sorted(subject.borrowed_birth_dates.items())
    )
    if told and listed:
        return f"re-screened: the record's document gives the birth date {told}; listed {listed}"
    return "re-screened: the record no longer matches the entry"


def _reopen_reason(hit: Hit) -> str:
    fields = ", ".join(m["field"] for m in hit.matched)
    return f"re-screened: the record matches the entry again ({fields})"
