"""The GC settings of an import are the process's: the last import out restores them."""

from __future__ import annotations

import gc

from pasienis.ingest import service


def test_overlapping_imports_restore_the_original_settings() -> None:
    before = gc.get_threshold()
    service._bulk_gc_start()  # import A
    service._bulk_gc_start()  # import B, in another thread
    raised = gc.get_threshold()
    assert raised[0] >= 50_000
    service._bulk_gc_end()  # A ends first: B still runs with the import settings
    assert gc.get_threshold() == raised
    assert gc.get_freeze_count() > 0
    service._bulk_gc_end()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
