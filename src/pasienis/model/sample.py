"""A tiny built-in sample (a smuggling pair, their car and a crossing) for a first look.

``make demo`` loads it when no generated scenario is given; it goes through the same
statement and event paths as real imports, with provenance like any source.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from pasienis.model.events import border_crossings, plate_reads, row_columns
from pasienis.model.ids import make_id
from pasienis.model.service import write_statements
from pasienis.model.statements import Provenance, entity_statements
from pasienis.store import Store

DATASET = "sample"
SEEN = datetime(2026, 9, 1, tzinfo=UTC)

PEOPLE = {
    "P1": {"name": ["Jonas Žukauskas", "Jonas Zukauskas"], "birthDate": "1979-04-12",
           "nationality": "lt", "phone": "+37061234567"},
    "P2": {"name": ["Александр Иванов", "Aleksandras Ivanovas"], "birthDate": "1983-11-02",
           "nationality": "by"},
}  # fmt: skip


def load_sample(store: Store) -> dict[str, int]:
    """Write the sample; running it twice changes nothing (deterministic ids)."""
    with store.begin() as conn:
        stmts = _statements()
        written = write_statements(store, conn, stmts)
        events = _events(store, conn)
    return {"statements": written, "events": events}


def _statements() -> list[tuple]:
    rows: list[tuple] = []
    for key, props in PEOPLE.items():
        prov = Provenance(DATASET, SEEN, locator=f"sample:{key}")
        rows += entity_statements(make_id(DATASET, key), "Person", props, prov)
    prov = Provenance(DATASET, SEEN, locator="sample:V1")
    vehicle = make_id(DATASET, "V1")
    rows += entity_statements(
        vehicle, "Vehicle", {"registrationNumber": "KLM 482", "country": "lt"}, prov
    )
    own = make_id(DATASET, "O1")
    rows += entity_statements(
        own, "Ownership", {"owner": make_id(DATASET, "P1"), "asset": vehicle}, prov
    )
    return rows


def _events(store: Store, conn: Connection) -> int:
    when = datetime(2026, 9, 3, 1, 42, tzinfo=UTC)
    crossing = (
        make_id(DATASET, "X1"), when, 54.6326, 25.7453, DATASET, "sample:X1", None, None,
        "medininkai", "entry", make_id(DATASET, "P2"), make_id(DATASET, "V1"), None,
    )  # fmt: skip
    read = (
        make_id(DATASET, "R1"), when.replace(hour=2, minute=20), 54.6872, 25.2797, DATASET,
        "sample:R1", None, None, "CAM-A3-01", "KLM482", "KLM 482", "LT", 0.94,
        make_id(DATASET, "V1"),
    )  # fmt: skip
    n = store.bulk_insert(conn, border_crossings, list(row_columns(border_crossings)), [crossing])
    n += store.bulk_insert(conn, plate_reads, list(row_columns(plate_reads)), [read])
    return n
