"""The API freezes its start-up heap only when it is the serving process (``tune_gc``)."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.store import Store


def test_the_startup_heap_is_frozen_only_when_asked(
    sqlite_store: Store, base_settings: Settings
) -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with TestClient(create_app(base_settings, store=sqlite_store)):
        assert gc.get_freeze_count() == frozen  # the default: a test process is left alone
    app = create_app(base_settings, store=sqlite_store, tune_gc=True)
    try:
        with TestClient(app) as client:
            assert gc.get_freeze_count() > frozen
            # The young threshold stays CPython's: a larger one cost API requests CPU.
            assert gc.get_threshold() == before
            assert client.get("/api/health").status_code == 200
    finally:
        gc.unfreeze()
