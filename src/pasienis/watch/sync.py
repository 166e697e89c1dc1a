"""Watchlists imported like any source: entries follow the statements of their dataset.

Why from statements: an imported watchlist (the scenario's ``watchlist.jsonl`` with its
mapping) is data with provenance like any other; its entries are derived, so a re-import
corrects them and ids stay stable (a hash of the listed entity), which keeps alerts pointing
at their entry.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, select

from pasienis.model import make_id
from pasienis.model.models import statements
from pasienis.watch.index import Entry
from pasienis.watch.models import watch_entries, watch_lists
from pasienis.watch.service import bump_generation, create_list, now

_KINDS = {
    "Person": "person",
    "Company": "company",
    "Organization": "company",
    "LegalEntity": "company",
    "Vehicle": "vehicle",
    "Phone": "phone",
}
_ID_PROPS = {
    "registrationNumber": "plate",
    "phone": "phone",
    "number": "phone",
    "iban": "iban",
    "idNumber": "identifier",
    "passportNumber": "identifier",
    "vatCode": "identifier",
    "taxNumber": "identifier",
}


def _list_for(conn: Connection, dataset: str) -> dict[str, Any]:
    row = conn.execute(select(watch_lists).where(watch_lists.c.source_dataset == dataset)).first()
    if row is not None:
        return dict(row._mapping)
    return create_list(
        conn,
        name=dataset,
        dataset=dataset,
        owner="import",
        description=f"imported from dataset {dataset}",
        source_dataset=dataset,
    )


def _first(values: dict[str, list[str]], *props: str) -> str | None:
    for prop in props:
        if values.get(prop):
            return values[prop][0]
    return None


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def entry_row(list_id: str, entity_id: str, schema: str, values: dict[str, list[str]]) -> dict:
    """The entry an imported entity becomes (``None`` values where the source has none)."""
    stamp = now()
    idents = [{"type": t, "value": v} for p, t in _ID_PROPS.items() for v in values.get(p, [])]
    return {
        "id": make_id("watch-entry", list_id, entity_id),
        "list_id": list_id,
        "kind": _KINDS.get(schema, "person"),
        "name": _first(values, "name"),
        "identifiers": idents,
        "birth_date": (_first(values, "birthDate") or "")[:10] or None,
        "country": _first(values, "nationality", "country", "jurisdiction"),
        "reason": _first(values, "notes", "summary") or "listed in an imported watchlist",
        "owner": "import",
        "priority": 2,
        "valid_from": _date(_first(values, "modifiedAt", "startDate", "createdAt")),
        "valid_to": _date(_first(values, "endDate")),
        "entity_id": entity_id,
        "active": True,
        "created_at": stamp,
        "updated_at": stamp,
    }


def sync_imported_list(conn: Connection, *, dataset: str) -> list[Entry]:
    """Make the watchlist of ``dataset`` hold exactly its imported entities; returns them."""
    wl = _list_for(conn, dataset)
    q = select(
        statements.c.entity_id, statements.c.schema, statements.c.prop, statements.c.value
    ).where(statements.c.dataset == dataset)
    facts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    schemas: dict[str, str] = {}
    for entity_id, schema, prop, value in conn.execute(q.order_by(statements.c.entity_id)):
        facts[entity_id][prop].append(value)
        schemas[entity_id] = schema
    rows = [entry_row(wl["id"], eid, schemas[eid], vals) for eid, vals in facts.items()]
    rows = [r for r in rows if r["name"] or r["identifiers"]]
    conn.execute(delete(watch_entries).where(watch_entries.c.list_id == wl["id"]))
    if rows:
        conn.execute(watch_entries.insert(), rows)
    bump_generation(conn)
    return [
        Entry(
            id=r["id"],
            list_id=r["list_id"],
            dataset=wl["dataset"],
            kind=r["kind"],
            name=r["name"],
            identifiers=tuple((i["type"], i["value"]) for i in r["identifiers"]),
            birth_date=r["birth_date"],
            country=r["country"],
            reason=r["reason"],
            priority=r["priority"],
            valid_from=r["valid_from"],
            valid_to=r["valid_to"],
            entity_id=r["entity_id"],
        )
        for r in rows
    ]
