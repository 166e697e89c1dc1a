"""Records as screening subjects, and screening them against the watchlists' index.

The run-level flow (chunks, alerts, re-screening the records a run informs) is
:mod:`.runs`; retro-screening stored records against new entries is :mod:`.retro`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import groupby
from typing import Any

from pasienis.model.models import statements
from pasienis.watch.borrow import DOCUMENT_PROPS
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
