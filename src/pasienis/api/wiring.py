"""Hooks between capabilities, registered explicitly when the app or the CLI is set up.

Nothing here happens on import: :func:`retention_erasers` builds a fresh registry each time
it is called, so what retention erases never depends on which modules were imported first.
A capability with derived tables adds its hook here (e.g. a search index as a follower).
"""

from __future__ import annotations

from pasienis.config import Settings
from pasienis.ingest.retention import quarantine_eraser
from pasienis.ops.retention import retention_erasers as ops_erasers
from pasienis.security.retention import Erasers


def retention_erasers(settings: Settings) -> Erasers:
    """Everything retention erases beyond statements and events, for this deployment."""
    erasers = Erasers()
    for eraser in ops_erasers(settings):
        erasers.add_table(eraser)
    erasers.add_dataset(quarantine_eraser())
    return erasers
