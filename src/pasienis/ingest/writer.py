"""Writing batches on a second thread while the next batch is processed.

sqlite3 and psycopg release the GIL while the database works, so the writer thread uses the
second core. The queue holds at most one batch waiting, so memory stays at about three
batches whatever the file size. Each batch still commits atomically with the run's
checkpoint (``runs.commit_batch``), in order, so a killed import resumes exactly as before.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from pasienis.ingest.pipeline import Output

Write = Callable[[Output, int], object]


class BatchWriter:
    """Runs ``write(batch, checkpoint)`` for submitted batches, in order, on one thread.

    ``threaded=False`` writes in the caller's thread (a store pinned to one connection, as in
    tests, must not be used from two threads).
    """

    def __init__(self, write: Write, *, threaded: bool = True) -> None:
        self._write = write
        self._error: BaseException | None = None
        self._queue: queue.Queue[tuple[Output, int] | None] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
            self._thread.start()

    def submit(self, batch: Output, checkpoint: int) -> None:
        """Queue a batch (blocks while one is already waiting); re-raise a writer failure."""
        self._raise()
        if self._thread is None:
            self._write(batch, checkpoint)
            return
        self._queue.put((batch, checkpoint))

    def close(self) -> None:
        """Write what is queued, stop the thread, and re-raise a writer failure."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain: the main thread stops at its next submit
            try:
                self._write(*item)
            except BaseException as exc:
                self._error = exc
