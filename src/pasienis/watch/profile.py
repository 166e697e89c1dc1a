"""An entity's alerts and watchlist entries, for its profile (through the caller's grants)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, or_, select

from pasienis.watch.alerts import _public as alert_json
from pasienis.watch.alerts import visible_alerts
from pasienis.watch.models import watch_alerts, watch_entries, watch_lists


def entity_watch(
    conn: Connection, entity_ids: Iterable[str], *, datasets: frozenset[str], limit: int = 200
) -> dict[str, Any]:
    """Alerts raised on any of ``entity_ids`` (as the record, or as the listed entity of the
    entry) and the watchlist entries that list them; ``truncated`` when more than ``limit``."""
    ids = sorted(set(entity_ids))
    if not ids or not datasets:
        return {"alerts": [], "entries": [], "truncated": False}
    listed = (
        select(watch_entries, watch_lists.c.dataset, watch_lists.c.name.label("list_name"))
        .join(watch_lists, watch_lists.c.id == watch_entries.c.list_id)
        .where(watch_entries.c.entity_id.in_(ids), watch_lists.c.dataset.in_(sorted(datasets)))
        .order_by(watch_entries.c.priority, watch_entries.c.id)
        .limit(limit + 1)
    )  # fmt: skip
    entries = [dict(r._mapping) for r in conn.execute(listed)]
    entry_ids = [e["id"] for e in entries]
    query = visible_alerts(select(watch_alerts), datasets).where(
        or_(watch_alerts.c.record_id.in_(ids), watch_alerts.c.entry_id.in_(entry_ids))
    )
    rows = conn.execute(
        query.order_by(watch_alerts.c.created_at.desc(), watch_alerts.c.id).limit(limit + 1)
    ).all()
    alerts = [alert_json(r) for r in rows[:limit]]
    return {"alerts": alerts, "entries": entries[:limit],
            "truncated": len(rows) > limit or len(entries) > limit}  # fmt: skip
