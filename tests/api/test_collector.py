"""The API tunes the garbage collector only when it is the serving process (``tune_gc``)."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.api.collector import GC_THRESHOLD
from pasienis.config import Settings
from pasienis.store import Store


def test_the_collector_is_tuned_only_when_asked(
    sqlite_store: Store, base_settings: Settings
) -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with TestClient(create_app(base_settings, store=sqlite_store)):
        assert gc.get_threshold() == before  # the default: a test process is left alone
        assert gc.get_freeze_count() == frozen
    assert before != GC_THRESHOLD
    app = create_app(base_settings, store=sqlite_store, tune_gc=True)
    try:
        with TestClient(app) as client:
            assert gc.get_threshold() == GC_THRESHOLD
            assert gc.get_freeze_count() > frozen
            assert client.get("/api/health").status_code == 200
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
