"""The store: engine set-up, shared metadata, migrations and the bulk path.

Public surface: :func:`open_store`, :class:`Store`, :class:`OnConflict`, :data:`metadata`,
:func:`upgrade`, and deferred indexes for bulk loads (:func:`defer_indexes`,
:func:`restore_indexes`, :func:`deferred`, :func:`estimate_rows`), and
:func:`commit_in_order` for gap-free cursors over serial ids, and
:func:`background_checkpoints` for a server's WAL checkpoints and :func:`bulk_checkpoints` for
a bulk writer's, and :class:`WriteDemand` for a bulk writer to see other processes'
writers waiting for the lock.
"""

from pasienis.store.bulkload import (
    RestoreProgress,
    defer_indexes,
    deferred,
    droppable_indexes,
    estimate_rows,
    restore_indexes,
)
from pasienis.store.checkpoints import background_checkpoints, bulk_checkpoints
from pasienis.store.dialects import OnConflict
from pasienis.store.engine import Store, open_store
from pasienis.store.errors import StoreError
from pasienis.store.metadata import metadata
from pasienis.store.migrate import current_revision, head_revision, revisions_between, upgrade
from pasienis.store.ordering import commit_in_order
from pasienis.store.write_demand import WriteDemand, ask_for_write

__all__ = [
    "OnConflict",
    "RestoreProgress",
    "Store",
    "StoreError",
    "WriteDemand",
    "ask_for_write",
    "background_checkpoints",
    "bulk_checkpoints",
    "commit_in_order",
    "current_revision",
    "defer_indexes",
    "deferred",
    "droppable_indexes",
    "estimate_rows",
    "head_revision",
    "metadata",
    "open_store",
    "restore_indexes",
    "revisions_between",
    "upgrade",
]
