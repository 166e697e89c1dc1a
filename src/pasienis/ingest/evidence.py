"""Field seizures become evidence in the graph.

Operations publish ``violation.recorded`` on the bus when a crew completes a task with a
violation report; the intelligence side turns the stored violation into a ``Seizure`` entity
(statements with provenance ``ops`` / ``task:<id>``), linked to the person and vehicle involved.
The two halves never import each other: they meet on the bus.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from pasienis.jobs import BusEvent
from pasienis.model import Provenance, entity_statements, make_id, write_statements
from pasienis.model.events import violations
from pasienis.security import ensure_datasets
from pasienis.store import Store

TOPIC = "violation.recorded"
DATASET = "ops"
#: Classification of evidence recorded by field units until an administrator changes it.
CLASSIFICATION = "restricted"


def seizure_id(violation_id: str) -> str:
    """The Seizure entity's id, derived from the violation's (so a replay changes nothing)."""
    return make_id("ops-seizure", violation_id)


def record_seizure(store: Store, violation_id: str) -> str | None:
    """Write the Seizure entity for a stored violation; ``None`` when the row is not there."""
    with store.begin() as conn:
        row = conn.execute(select(violations).where(violations.c.id == violation_id)).first()
        if row is None:
            return None
        entity_id = seizure_id(violation_id)
        locator = row.locator or f"violation:{violation_id}"
        seen = row.occurred_at or datetime.now(UTC)
        prov = Provenance(DATASET, seen, run_id=None, locator=locator)
        ensure_datasets(conn, [DATASET], classification=CLASSIFICATION)
        write_statements(
            store, conn, entity_statements(entity_id, "Seizure", _properties(row), prov)
        )
    return entity_id


def _properties(row: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "date": row.occurred_at.date().isoformat(),
        "goodsCategory": row.category,
        "quantity": row.quantity,
        "unitOfMeasure": row.unit_of_measure,
        "valueEur": row.value_eur,
        "foundBy": row.found_by,
        "latitude": row.lat,
        "longitude": row.lon,
        "person": row.person_id,
        "vehicle": row.vehicle_id,
        "description": row.description,
    }
    return {k: v for k, v in props.items() if v is not None and v != ""}


def seizure_handler(store: Store) -> Any:
    """A bus handler for ``violation.recorded`` bound to ``store``."""

    def handle(event: BusEvent) -> None:
        violation_id = (event.payload or {}).get("violation_id")
        if violation_id:
            record_seizure(store, str(violation_id))

    return handle
