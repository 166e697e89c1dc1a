"""Automatic garbage collection paused while an import maps or writes: one rule for the
importing process and for its writer process.

An import allocates millions of short-lived tuples, and every one of them is visited by the
young-generation collections, while full collections walk the growing caches again and again:
measured, 1 to 2 s of a 20 s import of 1M rows in the mapping process, and 2.4 of 16.3 CPU s
in the writer process (which unmarshals every batch's rows). Nothing the import loop keeps
forms reference cycles (quarantined problems are stored without their tracebacks,
:func:`.pipeline.detached`), so reference counting frees each batch; in case a reader, a
library or the database layer does form cycles, :func:`tick` collects fully every
:data:`EVERY_BATCHES` batches, which bounds what could wait. ``gc.freeze`` keeps the objects
from before the import (the model, the store) out of those collections. The settings are the
process's: the first import in pauses, the last one out resumes.
"""

from __future__ import annotations

import gc
import threading

#: Batches between the full collections an import runs while automatic collection is paused.
EVERY_BATCHES = 10

_holders = 0
_was_enabled = True
_lock = threading.Lock()


def pause() -> None:
    """Pause automatic collection (and freeze what exists) for an import; see the module."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.freeze()
            gc.disable()
        _holders += 1


def tick(batches: int) -> None:
    """A full collection every :data:`EVERY_BATCHES` batches (see the module)."""
    if batches % EVERY_BATCHES == 0:
        gc.collect()


def resume() -> None:
    """The end of an import: the last one out restores collection as it was."""
    global _holders
    with _lock:
        _holders -= 1
        if _holders == 0:
            if _was_enabled:
                gc.enable()
            gc.unfreeze()
