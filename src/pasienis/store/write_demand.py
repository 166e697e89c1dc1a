"""Writers of other processes asking a long write transaction to end (SQLite files only).

SQLite has one write lock per file and no queue. The import's writer process holds it for
whole groups of batches (``PASIENIS_INGEST_WRITER_COMMIT_ROWS``, about 2 s of writing), so a
task created, an SOS or a position fix stored by the server meanwhile waited up to that
long. A writer that finds the lock taken (``BEGIN IMMEDIATE`` busy at once) appends a byte to
a file beside the database and tries again every :data:`RETRY_S`, asking again every
:data:`ASK_EVERY_S`; the bulk writer looks at that file after each batch (one ``stat``),
commits early when it changed and leaves the lock free for :data:`HANDOVER_S`. SQLite's own
busy handler would not do: it sleeps up to 100 ms between tries, and the bulk writer begins
its next transaction at once. Nothing is written while nobody waits.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

#: The file is cut back to nothing once it is this large (any change counts, not its size).
MAX_BYTES = 64 * 1024
#: How often a writer that found the lock taken tries again.
RETRY_S = 0.001
#: How often it asks again (a bulk writer that began again before it got in commits again).
ASK_EVERY_S = 0.05
#: How long a bulk writer that committed because it was asked leaves the lock free.
HANDOVER_S = 0.005


def demand_path(database: str) -> Path:
    """The demand file of an SQLite database file: ``<file>-writers``."""
    return Path(f"{os.path.realpath(database)}-writers")


def ask_for_write(database: str) -> None:
    """Tell a bulk writer of ``database`` that a writer waits for the write lock. Best
    effort: a file this process may not write (another user's) only means no one is asked,
    and the writer waits as it did before."""
    path = demand_path(database)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)  # under the umask
    except OSError as error:
        log.debug("cannot ask for the write lock in %s: %s", path, error)
        return
    try:
        if os.fstat(fd).st_size >= MAX_BYTES:
            os.ftruncate(fd, 0)
        os.write(fd, b".")
    except OSError as error:
        log.debug("cannot ask for the write lock in %s: %s", path, error)
    finally:
        os.close(fd)


class WriteDemand:
    """Whether a writer asked for the lock since :meth:`mark` (a bulk writer's transaction
    began). Size and modification time together: one append always changes the size."""

    def __init__(self, database: str) -> None:
        self.path = demand_path(database)
        self._seen = self._stamp()

    def _stamp(self) -> tuple[int, int]:
        try:
            found = self.path.stat()
        except FileNotFoundError:
            return (0, 0)
        return (found.st_size, found.st_mtime_ns)

    def mark(self) -> None:
        """From now on: asks before this are answered by the transaction that begins."""
        self._seen = self._stamp()

    def asked(self) -> bool:
        """A writer asked for the lock since the last :meth:`mark`."""
        return self._stamp() != self._seen
