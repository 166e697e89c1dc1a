"""The store: engine set-up, shared metadata, migrations and the bulk path.

Public surface: :func:`open_store`, :class:`Store`, :class:`OnConflict`, :data:`metadata`,
:func:`upgrade`.
"""

from pasienis.store.dialects import OnConflict
from pasienis.store.engine import Store, open_store
from pasienis.store.errors import StoreError
from pasienis.store.metadata import metadata
from pasienis.store.migrate import current_revision, head_revision, upgrade

__all__ = [
    "OnConflict",
    "Store",
    "StoreError",
    "current_revision",
    "head_revision",
    "metadata",
    "open_store",
    "upgrade",
]
