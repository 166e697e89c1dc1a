"""The violation registry: list, read with history, and correct (a new version, never an edit)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from pasienis.errors import NotFoundError
from pasienis.model.events import violations
from pasienis.violations.errors import ViolationsError
from pasienis.violations.models import is_current, violation_corrections
from pasienis.violations.points import Filters

#: Fields a correction may change; the rest (id, dataset, provenance) stays with the chain.
CORRECTABLE = (
    "occurred_at",
    "lat",
    "lon",
    "category",
    "quantity",
    "unit_of_measure",
    "value_eur",
    "found_by",
    "person_id",
    "vehicle_id",
    "description",
)


def _visible(conn: Connection, violation_id: str, datasets: frozenset[str]) -> dict[str, Any]:
    row = (
        conn.execute(
            select(violations).where(
                violations.c.id == violation_id, violations.c.dataset.in_(sorted(datasets))
            )
        )
        .mappings()
        .first()
    )
    if row is None:  # unknown and not visible answer alike
        raise NotFoundError(f"no violation {violation_id!r}")
    return dict(row)


def list_violations(
    conn: Connection,
    *,
    filters: Filters,
    datasets: frozenset[str],
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Current violations the caller may read, newest first, and how many match in all."""
    where = [violations.c.dataset.in_(sorted(datasets)), is_current()]
    if filters.since:
        where.append(violations.c.occurred_at >= filters.since)
    if filters.until:
        where.append(violations.c.occurred_at < filters.until)
    if filters.categories:
        where.append(violations.c.category.in_(filters.categories))
    if filters.units:
        where.append(violations.c.found_by.in_(filters.units))
    total = conn.execute(select(func.count()).select_from(violations).where(*where)).scalar_one()
    rows = conn.execute(
        select(violations)
        .where(*where)
        .order_by(violations.c.occurred_at.desc(), violations.c.id)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return int(total), [dict(r) for r in rows]


def history(
    conn: Connection, *, violation_id: str, datasets: frozenset[str]
) -> list[dict[str, Any]]:
    """Every version of a violation, oldest first, each with who corrected it and why."""
    current = _visible(conn, violation_id, datasets)
    chain = [current]
    while True:  # walk back to the original
        back = (
            conn.execute(
                select(violation_corrections).where(
                    violation_corrections.c.replacement_id == chain[0]["id"]
                )
            )
            .mappings()
            .first()
        )
        if back is None:
            break
        chain.insert(
            0, {**_visible(conn, back["violation_id"], datasets), "superseded": dict(back)}
        )
    while True:  # and forward to the newest
        ahead = (
            conn.execute(
                select(violation_corrections).where(
                    violation_corrections.c.violation_id == chain[-1]["id"]
                )
            )
            .mappings()
            .first()
        )
        if ahead is None:
            break
        chain[-1] = {**chain[-1], "superseded": dict(ahead)}
        chain.append(_visible(conn, ahead["replacement_id"], datasets))
    return chain


def correct(
    conn: Connection,
    *,
    violation_id: str,
    changes: dict[str, Any],
    reason: str,
    actor: str,
    now: datetime,
    datasets: frozenset[str],
) -> dict[str, Any]:
    """Record a corrected version of a current violation; the old row stays as it was."""
    old = _visible(conn, violation_id, datasets)
    superseded = conn.execute(
        select(violation_corrections.c.replacement_id).where(
            violation_corrections.c.violation_id == violation_id
        )
    ).first()
    if superseded is not None:
        raise ViolationsError(
            f"violation {violation_id} was already corrected",
            hint=f"correct {superseded[0]} instead",
        )
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise ViolationsError(
            f"cannot correct {', '.join(unknown)}", hint="correctable: " + ", ".join(CORRECTABLE)
        )
    if not reason.strip():
        raise ViolationsError("a correction needs a reason")
    new = {**old, **changes, "id": f"{violation_id[:40]}~{uuid.uuid4().hex[:16]}"}
    new["attributes"] = {**(old.get("attributes") or {}), "corrects": violation_id}
    conn.execute(insert(violations).values(**new))
    conn.execute(
        insert(violation_corrections).values(
            violation_id=violation_id,
            replacement_id=new["id"],
            corrected_by=actor,
            corrected_at=now,
            reason=reason,
        )
    )
    return _visible(conn, new["id"], datasets)
