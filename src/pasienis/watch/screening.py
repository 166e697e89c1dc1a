"""Screen imports against the watchlists, and keep imported watchlists in sync.

:func:`.follow.catch_up` follows ``import.completed`` on the bus with a cursor stored in
``watch_state``. A run is screened in chunks; each chunk's alerts (and their bus event) commit
together, and the cursor moves only after the run's last chunk — so a crash (kill -9) at any
point re-screens the unfinished run on restart: alerts already raised are not raised twice (their
ids are hashes of entry and record), and none is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, select

from pasienis.model.events import plate_reads
from pasienis.model.models import statements
from pasienis.store import Store
from pasienis.watch.alerts import raise_alerts
from pasienis.watch.borrow import DOCUMENT_PROPS, borrow_birth_dates
from pasienis.watch.cache import IndexCache
from pasienis.watch.index import Hit, Subject, WatchIndex
from pasienis.watch.service import today

log = logging.getLogger(__name__)
CHUNK = 5000
_IDENTIFIER_TYPES = frozenset({"phone", "iban", "identifier", "email"})
PLATE_PROPS = frozenset({"registrationNumber"})


def subjects_of_facts(rows: Iterable[Any], *, run_id: str | None) -> Iterator[Subject]:
    """Subjects from statement rows sorted by entity: (entity_id, dataset, schema, prop,
    prop_type, value)."""
    for (entity_id, dataset), group in groupby(rows, key=lambda r: (r[0], r[1])):
        subject = Subject("entity", entity_id, dataset, "Thing", run_id=run_id)
        for _eid, _ds, schema, prop, prop_type, value in group:
            subject.schema = schema
            if prop_type == "name":
                subject.names.append(value)
            elif prop == "birthDate":
                subject.birth_dates.add(value[:10])
            elif prop in PLATE_PROPS:
                subject.plates.append(value)
            elif prop_type in _IDENTIFIER_TYPES:
                subject.identifiers.append((prop_type, value))
                if prop in DOCUMENT_PROPS:
                    subject.documents.append((prop, value))
            elif prop == "nationality":
                subject.nationalities.add(value)
        if subject.names or subject.plates or subject.identifiers:
            yield subject


def plate_subject(row: Any) -> Subject:
    """A plate read (a ``plate_reads`` row) as a subject, located where the camera is."""
    extra = {
        "camera_id": row.camera_id,
        "plate_raw": row.plate_raw,
        "occurred_at": row.occurred_at.isoformat(),
        "lat": row.lat,
        "lon": row.lon,
        "vehicle_id": row.vehicle_id,
        "confidence": row.confidence,
    }
    return Subject(
        "plate_read",
        row.id,
        row.dataset,
        "PlateRead",
        plates=[row.plate],
        run_id=row.run_id,
        occurred_on=row.occurred_at.date(),
        extra=extra,
    )


def screen(
    index: WatchIndex, subjects: Iterable[Subject], *, day: date | None = None
) -> list[tuple[Subject, Hit]]:
    """Every (subject, hit) pair; imported watchlists' own datasets are not screened."""
    own = index.imported_datasets
    day = day or today()
    found = []
    for subject in subjects:
        if subject.dataset in own and subject.record_kind == "entity":
            continue
        found.extend((subject, hit) for hit in index.screen(subject, today=day))
    return found


FACTS = (
    statements.c.entity_id,
    statements.c.dataset,
    statements.c.schema,
    statements.c.prop,
    statements.c.prop_type,
    statements.c.value,
)


def _run_subjects(conn: Connection, run_id: str) -> Iterator[list[Subject]]:
    ids = sorted(
        conn.execute(
            select(statements.c.entity_id).where(statements.c.run_id == run_id).distinct()
        ).scalars()
    )
    for start in range(0, len(ids), CHUNK):
        q = select(*FACTS).where(statements.c.entity_id.in_(ids[start : start + CHUNK]))
        rows = conn.execute(q.order_by(statements.c.entity_id, statements.c.dataset))
        yield list(subjects_of_facts(rows, run_id=run_id))
    last = ""
    while True:
        q = select(plate_reads).where(plate_reads.c.run_id == run_id, plate_reads.c.id > last)
        batch = list(conn.execute(q.order_by(plate_reads.c.id).limit(CHUNK)))
        if not batch:
            return
        last = batch[-1].id
        yield [plate_subject(r) for r in batch]


def screen_run(store: Store, cache: IndexCache, *, run_id: str) -> int:
    """Screen one import run's entities and plate reads; returns alerts newly raised.

    A person record without a birth date is screened with the birth dates its document's
    other records give (:mod:`.borrow`): the evidence about the person, not the bare row.
    """
    raised = 0
    with store.read() as reader:
        for subjects in _run_subjects(reader, run_id):
            with store.begin() as conn:
                index = cache.get(conn)
                borrow_birth_dates(reader, subjects, threshold=index.name_threshold)
                found = screen(index, subjects)
                raised += len(raise_alerts(store, conn, found)[0])
    return raised
