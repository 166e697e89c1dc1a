"""Side effects gathered inside a transaction and released only after it commits.

A device must never be woken for an outbox row that then rolls back, and a dispatcher must
never see a status that was not stored; so service functions record what should happen in an
:class:`Effects` and the caller calls :meth:`Effects.release` after the commit. Bus events are
already persisted inside the transaction (``pasienis.jobs.publish_in``); releasing only fans
them out to in-process subscribers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pasienis.ops.delivery.hub import Hub


@dataclass
class Effects:
    wake: set[str] = field(default_factory=set)
    dispatch: list[dict[str, Any]] = field(default_factory=list)
    bus: list[Any] = field(default_factory=list)

    def release(self, *, hub: Hub | None, bus: Any | None = None) -> None:
        """Wake unit connections, notify dispatchers, dispatch bus events in this process."""
        if hub is not None:
            for unit_id in sorted(self.wake):
                hub.wake(unit_id)
            for event in self.dispatch:
                hub.publish(event)
        if bus is not None:
            for event in self.bus:
                bus.dispatch(event)
