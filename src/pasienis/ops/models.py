"""Tables of the ops capability (declared on the shared metadata)."""

from __future__ import annotations

from pasienis.store.metadata import metadata

__all__ = ["metadata"]
