"""The events an entity takes part in (crossings, plate reads, declarations, violations).

One query per event table over the entity-reference columns, through the caller's datasets,
newest first. The profile table and the timeline read the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, or_, select

from pasienis.model.events import border_crossings, declarations, plate_reads, violations

#: Event kind → (table, entity-reference columns, columns shown besides the common ones).
EVENT_TABLES: dict[str, tuple[Table, tuple[str, ...], tuple[str, ...]]] = {
    "crossing": (border_crossings, ("person_id", "vehicle_id", "document_id"),
                 ("checkpoint_id", "direction")),
    "plate_read": (plate_reads, ("vehicle_id",), ("camera_id", "plate", "plate_raw",
                                                   "confidence")),
    "declaration": (declarations, ("declarant_id", "consignor_id", "consignee_id", "vehicle_id"),
                    ("reference", "office_code", "procedure", "total_value", "currency")),
    "violation": (violations, ("person_id", "vehicle_id"),
                  ("category", "quantity", "unit_of_measure", "value_eur", "found_by",
                   "description")),
}  # fmt: skip
COMMON = ("id", "occurred_at", "dataset", "locator", "run_id")


def entity_events(
    conn: Connection, entity_ids: Iterable[str], *, datasets: Iterable[str], limit: int = 500
) -> dict[str, Any]:
    """Events referring to any of ``entity_ids`` in ``datasets``: each with its kind, the
    role the entity plays (the reference column), place and provenance. ``truncated`` is set
    when a table held more than ``limit`` (the newest ``limit`` of each are kept)."""
    ids, allowed = sorted(set(entity_ids)), sorted(set(datasets))
    out: list[dict[str, Any]] = []
    truncated = False
    if not ids or not allowed:
        return {"events": [], "truncated": False}
    for kind, (table, refs, shown) in EVENT_TABLES.items():
        cols = [table.c[c] for c in (*COMMON, *refs, *shown)]
        if "lat" in table.c:
            cols += [table.c.lat, table.c.lon]
        query = (
            select(*cols)
            .where(or_(*(table.c[r].in_(ids) for r in refs)), table.c.dataset.in_(allowed))
            .order_by(table.c.occurred_at.desc(), table.c.id)
            .limit(limit + 1)
        )
        rows = conn.execute(query).all()
        truncated |= len(rows) > limit
        for row in rows[:limit]:
            data = dict(row._mapping)
            roles = [r.removesuffix("_id") for r in refs if data.pop(r) in ids]
            out.append({"kind": kind, "roles": roles, **data})
    out.sort(key=lambda e: (e["occurred_at"], e["id"]), reverse=True)
    return {"events": out, "truncated": truncated}
