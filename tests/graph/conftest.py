"""A small two-compartment world for graph tests, written through the ordinary paths."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pasienis.model.events import border_crossings, row_columns
from pasienis.model.ids import make_id
from pasienis.model.service import write_statements
from pasienis.model.statements import Provenance, entity_statements
from pasienis.store import Store

SEEN = datetime(2026, 9, 1, tzinfo=UTC)
A, B = "alpha", "beta"


def eid(ds: str, key: str) -> str:
    return make_id(ds, key)


def put(store: Store, ds: str, key: str, schema: str, props: dict, run_id: str | None = None):
    prov = Provenance(ds, SEEN, run_id=run_id, locator=f"{ds}:{key}")
    with store.begin() as conn:
        write_statements(store, conn, entity_statements(eid(ds, key), schema, props, prov))
    return eid(ds, key)


def crossing(store: Store, ds: str, key: str, person: str, vehicle: str, day: int,
             run_id: str | None = None) -> str:  # fmt: skip
    row = (eid(ds, key), datetime(2026, 9, day, 22, tzinfo=UTC), 54.6, 25.7, ds, f"{ds}:{key}",
           run_id, None, "checkpoint-med", "entry", person, vehicle, None)  # fmt: skip
    with store.begin() as conn:
        store.bulk_insert(conn, border_crossings, list(row_columns(border_crossings)), [row])
    return row[0]


@pytest.fixture
def world(store: Store) -> dict[str, str]:
    """alpha: Jonas owns a car he drove 3 times, Petras shares his phone, a company hub with
    30 directors. beta: Ivan (own phone = Jonas's phone) and Ivan's Associate link to Petras.

    Written in one bulk write (as an import writes), not one transaction per entity."""
    rows: list = []

    def add(ds: str, key: str, schema: str, props: dict) -> str:
        prov = Provenance(ds, SEEN, locator=f"{ds}:{key}")
        rows.extend(entity_statements(eid(ds, key), schema, props, prov))
        return eid(ds, key)

    w: dict[str, str] = {}
    w["jonas"] = add(A, "P1", "Person", {"name": "Jonas Žukauskas", "phone": "+37061234567"})
    w["petras"] = add(A, "P2", "Person", {"name": "Petras Petraitis",
                                            "phone": "+37061234567"})  # fmt: skip
    w["car"] = add(A, "V1", "Vehicle", {"registrationNumber": "KLM482"})
    add(A, "O1", "Ownership", {"owner": w["jonas"], "asset": w["car"],
                                "startDate": "2024-03-01"})  # fmt: skip
    w["hub"] = add(A, "C1", "Company", {"name": "UAB Centras"})
    for i in range(30):
        d = add(A, f"D{i}", "Person", {"name": f"Director {i}"})
        add(A, f"DS{i}", "Directorship", {"director": d, "organization": w["hub"]})
    add(A, "DSJ", "Directorship", {"director": w["jonas"], "organization": w["hub"]})
    w["ivan"] = add(B, "P9", "Person", {"name": "Ivan Ivanov", "phone": "+37061234567"})
    w["lonely"] = add(A, "P7", "Person", {"name": "Lonely Person"})
    add(B, "AS1", "Associate", {"person": w["ivan"], "associate": w["petras"]})
    with store.begin() as conn:
        write_statements(store, conn, rows)
    for day in (2, 9, 16):
        crossing(store, A, f"X{day}", w["jonas"], w["car"], day)
    return w
