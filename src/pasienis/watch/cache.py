"""The screening index of this process, rebuilt when the entries' generation changes.

Every change to entries (API, CLI, a watchlist import, another process) raises the stored
generation in its own transaction; :meth:`IndexCache.get` compares it with one indexed read,
so every process screens against the current entries without being told.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection

from pasienis.watch.index import WatchIndex
from pasienis.watch.service import GENERATION, active_entries, get_state


class IndexCache:
    """One :class:`WatchIndex` per generation of the stored entries."""

    def __init__(self, *, name_threshold: float) -> None:
        self.name_threshold = name_threshold
        self._generation = -1
        self._index: WatchIndex | None = None
        self._lock = threading.Lock()

    def get(self, conn: Connection) -> WatchIndex:
        generation = get_state(conn, GENERATION)
        with self._lock:
            if self._index is not None and generation == self._generation:
                return self._index
        index = WatchIndex(active_entries(conn), name_threshold=self.name_threshold)
        with self._lock:
            self._index, self._generation = index, generation
        return index
