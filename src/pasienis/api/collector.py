"""The garbage collector of a serving process, tuned once start-up is done.

A full collection walks every tracked object; after start-up that is the whole loaded
heap (models, routes, schemas: ~350,000 objects in the API process), a pause of ~250 ms
that lands on whichever request happens to trigger it (docs/benchmarks.md, session 8).
``gc.freeze`` moves what start-up loaded out of the collector's generations for good.

Only for a process that serves (``pasienis serve``, ``pasienis serve-ingest``), never in
tests or a library user's process: frozen objects are never collected.
"""

from __future__ import annotations

import gc

#: Young-generation threshold of the ingest process (CPython's default is 700 allocations):
#: a burst of waiting position requests triggers fewer passes. Not for the API process: in a
#: same-run A/B it cost 0.1 to 0.3 ms of CPU per API request against freezing alone.
GC_THRESHOLD = (50_000, 20, 100)


def freeze_startup() -> None:
    """Collect once and freeze what is left (the API process, once started)."""
    gc.collect()
    gc.freeze()


def tune_collector() -> None:
    """Freeze what start-up loaded and raise the young threshold (the ingest process)."""
    freeze_startup()
    gc.set_threshold(*GC_THRESHOLD)
