"""Hooks between capabilities, registered explicitly when the app or the CLI is set up.

Nothing here happens on import: :func:`retention_erasers` builds a fresh registry each time
it is called, so what retention erases never depends on which modules were imported first.
A capability with derived tables adds its hook here (e.g. a search index as a follower).
"""

from __future__ import annotations

from sqlalchemy import Connection

from pasienis.config import Settings
from pasienis.ingest.retention import quarantine_eraser
from pasienis.ops.retention import retention_erasers as ops_erasers
from pasienis.search import index_entities
from pasienis.security.retention import Erased, Erasers, Follower
from pasienis.store import Store, open_store


def retention_erasers(settings: Settings, store: Store | None = None) -> Erasers:
    """Everything retention erases beyond statements and events, for this deployment."""
    erasers = Erasers()
    for eraser in ops_erasers(settings):
        erasers.add_table(eraser)
    erasers.add_dataset(quarantine_eraser())
    erasers.add_follower("search-index", search_follower(settings, store))
    return erasers


def search_follower(settings: Settings, store: Store | None) -> Follower:
    """Erased statements leave the search index in the same transaction: the entities are
    indexed again from what remains (gone entirely when nothing does)."""

    def follow(conn: Connection, erased: Erased) -> None:
        if erased.table != "statements" or not erased.ids:
            return
        the_store = store or open_store(settings)
        try:
            index_entities(the_store, conn, erased.ids)
        finally:
            if store is None:
                the_store.dispose()

    return follow
