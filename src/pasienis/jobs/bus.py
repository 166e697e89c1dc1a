"""The internal event bus: ``publish(topic, payload)`` / ``subscribe(topic, handler)``.

Every event is written to ``bus_events`` with an increasing id, so a subscriber in another
process catches up by cursor (:func:`events_since`), while subscribers in this process are
called right after the event is committed. Publishing transactions commit in id order
(:func:`pasienis.store.commit_in_order`), so a cursor never skips an event that commits late.
Intelligence and operations meet here (an alert raised, a task completed, a violation
recorded) instead of importing each other.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from pasienis.jobs.models import bus_events
from pasienis.store import Store, commit_in_order

log = logging.getLogger(__name__)

#: Topics other capabilities agreed on (free-form strings are allowed too).
KNOWN_TOPICS = (
    "violation.recorded", "task.completed", "alert.raised", "import.completed",
    "import.retracted", "import.restored",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BusEvent:
    """One published event; ``id`` is the cursor to resume after."""

    id: int
    topic: str
    payload: dict[str, Any]
    published_at: datetime


Handler = Callable[[BusEvent], None]


class Bus:
    """Publishes to the store and fans out to in-process subscribers."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()

    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler`` for each event on ``topic`` (``"*"`` for all); returns unsubscribe."""
        with self._lock:
            self._handlers[topic].append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers[topic]:
                    self._handlers[topic].remove(handler)

        return unsubscribe

    def publish(self, topic: str, payload: dict[str, Any] | None = None) -> BusEvent:
        """Persist the event in its own transaction, then notify in-process subscribers."""
        with self.store.begin() as conn:
            event = publish_in(conn, topic=topic, payload=payload)
        self.dispatch(event)
        return event

    def dispatch(self, event: BusEvent) -> None:
        """Call subscribers; a failing handler is logged and never stops the others."""
        with self._lock:
            handlers = [*self._handlers.get(event.topic, ()), *self._handlers.get("*", ())]
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                log.exception("bus handler %r failed on %s #%s", handler, event.topic, event.id)


def publish_in(conn: Connection, *, topic: str, payload: dict[str, Any] | None) -> BusEvent:
    """Write an event inside the caller's transaction (committed with the caller's work)."""
    if not topic or len(topic) > 128:
        raise ValueError("a bus topic is a non-empty string of at most 128 characters")
    # On PostgreSQL, an earlier id committing after a later one would be skipped by every
    # cursor that already read the later one; this waits for the earlier one's commit.
    commit_in_order(conn, "pasienis.bus_events")
    now = datetime.now(UTC)
    result = conn.execute(
        insert(bus_events).values(topic=topic, payload=payload or {}, published_at=now)
    )
    event_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    return BusEvent(id=event_id, topic=topic, payload=payload or {}, published_at=now)


def events_since(
    conn: Connection, *, cursor: int = 0, topics: list[str] | None = None, limit: int = 1000
) -> list[BusEvent]:
    """Events after ``cursor`` in publication order (for subscribers in another process)."""
    query = select(bus_events).where(bus_events.c.id > cursor).order_by(bus_events.c.id)
    if topics:
        query = query.where(bus_events.c.topic.in_(topics))
    rows = conn.execute(query.limit(limit))
    return [BusEvent(r.id, r.topic, r.payload or {}, r.published_at) for r in rows]


def latest_event_id(conn: Connection) -> int:
    """The cursor of the newest event (0 when none): a subscriber that wants only new events
    starts here."""
    return int(conn.execute(select(func.coalesce(func.max(bus_events.c.id), 0))).scalar() or 0)
