"""What every command needs: settings from the environment, the store, the installed model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pasienis.config import Settings
from pasienis.model import install_model
from pasienis.store import Store, open_store


def settings() -> Settings:
    """Settings from ``PASIENIS_*`` variables (read when a command runs, never at import)."""
    return Settings()


@contextmanager
def opened_store(cfg: Settings | None = None, *, model: bool = True) -> Iterator[Store]:
    """Open the store (and install the entity model) for the length of one command."""
    cfg = cfg or settings()
    if model:
        install_model(cfg)
    store = open_store(cfg)
    try:
        yield store
    finally:
        store.dispose()
