"""The garbage collector of a serving process, tuned once start-up is done.

A full collection walks every tracked object; after start-up that is the whole loaded
heap (models, routes, schemas: ~350,000 objects in the API process), a pause of ~300 ms
that lands on whichever request happens to trigger it (docs/benchmarks.md, issue 16).
``gc.freeze`` moves what start-up loaded out of the collector's generations for good, and a
larger young generation means fewer collections under a burst of requests.

Only for a process that serves (``pasienis serve``, ``pasienis serve-ingest``), never in
tests or a library user's process: frozen objects are never collected.
"""

from __future__ import annotations

import gc

#: Young-generation threshold while serving (CPython's default is 700 allocations): a young
#: pass over 50,000 survivors costs ~1 ms here.
GC_THRESHOLD = (50_000, 20, 100)


def tune_collector() -> None:
    """Collect once, freeze what is left and raise the young threshold."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
