"""Writing batches while the next batch is processed: on a thread, or in a writer process.

Each batch is written with the run's checkpoint in the same transaction, in order, whichever
writer runs it (``runs.write_batch``), so a killed import resumes exactly after the last batch
committed: the thread commits every batch, the writer process every few (:func:`write_stream`).
At most one batch waits, so memory stays at about three batches whatever the file size.

Why a process for large imports: mapping is CPU-bound Python holding the GIL, and sqlite3's
``executemany`` takes the GIL back for every row it binds, so a writer *thread* waits for the
mapping thread at each row and the two barely overlap (measured on 1M crossings: 36.5 s
serial, 35.4 s with a writer thread). A writer process has its own interpreter and core; the
batches cross a pipe pickled. Small imports keep the thread: a
process costs a second to start.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import marshal
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from pasienis.ingest import gcpause
from pasienis.ingest.errors import IngestError
from pasienis.ingest.options import setting_default
from pasienis.ingest.pipeline import Output
from pasienis.ingest.rows import EventTarget
from pasienis.store.write_demand import HANDOVER_S

if TYPE_CHECKING:
    from pasienis.store import WriteDemand

log = logging.getLogger(__name__)

Write = Callable[[Output, int], object]
#: Records (estimated) from which an import writes in a child process.
PROCESS_FROM: int = setting_default("ingest_writer_process_from")


#: A submit that waited this long for the writer says the writer is the slower side.
BEHIND_S = 0.02


class Writer(Protocol):
    def submit(self, batch: Output, checkpoint: int) -> None: ...
    def close(self) -> None: ...

    @property
    def behind(self) -> bool:
        """Whether the last submit waited for the writer (then the caller, which had to
        wait anyway, makes the next batch's ids itself: :attr:`Processor.ids_in_writer`)."""
        ...


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

    #: A thread shares the caller's process: where the ids are made changes nothing.
    behind = False

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


class ProcessWriter:
    """Writes submitted batches in order in a child process (:func:`write_stream`).

    The child (``python -m pasienis.ingest.writer_main``) reads pickled batches from its stdin and
    answers on its stdout; it opens the same store from ``settings`` and dies with its parent,
    so a parent killed with -9 leaves no writer behind to race the resumed import. A sender
    thread writes to the pipe (without the GIL), so the caller maps the next batch while one
    batch is being written and one is in the pipe. A failure of the child is raised by
    :meth:`submit` or :meth:`close` as :class:`IngestError`. (``multiprocessing`` would
    re-import the caller's main module in the child; a plain subprocess starts clean.)
    """

    def __init__(
        self,
        settings: Any,
        run: dict[str, Any],
        targets: dict[str, EventTarget],
    ) -> None:
        self._child = subprocess.Popen(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-m", "pasienis.ingest.writer_main", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._closed = False
        self.behind = False
        self._broken = threading.Event()
        self._outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=1)
        self._sender = threading.Thread(target=self._send_all, name="ingest-sender", daemon=True)
        self._sender.start()
        try:
            self._put((settings, run, targets))
        except BaseException:
            self._outbox.put(None)  # the child then reads the end and exits
            self._sender.join()
            self._child.wait()
            raise

    @property
    def pid(self) -> int:
        """The writer process."""
        return self._child.pid

    def submit(self, batch: Output, checkpoint: int) -> None:
        """Send a batch (blocks while two are on their way); raise a writer failure."""
        self._put((batch, checkpoint), rows=batch)

    def close(self) -> None:
        """Wait until every batch is written and the child has exited; raise its failure."""
        if self._closed:
            return
        if self._sender.is_alive():
            self._outbox.put(None)
            self._sender.join()
        assert self._child.stdout is not None
        answer = self._child.stdout.read()
        self._child.wait()
        self._closed = True  # only now: an interrupted close waits again when called again
        self._raise_for(answer)

    def _put(self, message: Any, rows: Output | None = None) -> None:
        if self._broken.is_set():
            self.close()  # raises what the child reported
            raise IngestError("the import's writer process stopped")
        data = encode(message, rows)
        started = time.perf_counter()
        self._outbox.put(data)
        self.behind = time.perf_counter() - started >= BEHIND_S

    def _send_all(self) -> None:
        """The sender thread: frames to the child's stdin until ``None``, then the end frame
        (:data:`END_FRAME`) and end of file."""
        stdin = self._child.stdin
        assert stdin is not None
        while (data := self._outbox.get()) is not None:
            if self._broken.is_set():
                continue  # drain: the caller raises at its next submit
            try:
                stdin.write(data)
                stdin.flush()
            except BaseException:  # a dead child, or any write failure: report, keep draining
                self._broken.set()
        with contextlib.suppress(OSError, ValueError):
            if not self._broken.is_set():
                stdin.write(END_FRAME)
            stdin.close()

    def _raise_for(self, answer: bytes) -> None:
        text = answer.decode("utf-8", errors="replace").strip()
        if self._child.returncode == 0 and text.endswith("done"):
            return
        detail = text.removeprefix("error: ") or f"it exited with code {self._child.returncode}"
        raise IngestError(f"the import's writer process failed: {detail}")


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this process when its parent dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def encode(message: Any, rows: Output | None = None) -> bytes:
    """One frame for the child: the message pickled and, apart, the rows of ``rows`` marshalled.

    Bound batches (:attr:`Output.bound`) hold only strings, numbers and ``None`` in their rows,
    which :mod:`marshal` writes in C without pickle's per-object bookkeeping (measured: 0.29 s
    vs 0.47 s for 300,000 crossings and their statements). Both ends run the same interpreter,
    so marshal's format, which may change between Python versions, is the same on both.
    Anything marshal refuses travels pickled whole.
    """
    blob = b""
    if rows is not None and rows.bound:
        try:
            blob = marshal.dumps((rows.statements, rows.events))
        except ValueError:
            blob = b""
    if blob:
        assert rows is not None
        message = (replace(rows, statements=[], events={}), *message[1:])
    head = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return struct.pack("<QQ", len(head), len(blob)) + head + blob


#: What the parent sends after its last batch. End of file without it means the parent
#: died (killed: the kernel closes its pipe before its death signal reaches this process), and
#: the writer must not commit the batches of its open transaction as if the import had ended.
END_FRAME = struct.pack("<QQ", 0, 0)


def _read(stream: BinaryIO) -> Any:
    """One frame from the parent (see :func:`encode`), or ``None`` at its end frame."""
    sizes = stream.read(16)
    if sizes == END_FRAME:
        return None
    if len(sizes) < 16:
        raise IngestError(
            "the import's input ended before its end: its process stopped; the batches not "
            "committed yet are rolled back (the resumed import writes them)"
        )
    head, size = struct.unpack("<QQ", sizes)
    message = pickle.loads(stream.read(head))  # noqa: S301 - our own parent process
    if size:
        out: Output = message[0]
        out.statements, out.events = marshal.loads(stream.read(size))  # noqa: S302 - ours
    return message


def write_stream(
    stream: BinaryIO,
    begin: Callable[[], AbstractContextManager[Any]],
    write: Callable[[Any, Output, int], object],
    *,
    commit_rows: int,
    before_last_commit: Callable[[], object] | None = None,
    demand: WriteDemand | None = None,
) -> tuple[int, int]:
    """Write every batch frame of ``stream`` in order: ``write(conn, batch, checkpoint)`` in
    transactions from ``begin()``, each committed after the batch that brings it to
    ``commit_rows`` rows (``ingest_writer_commit_rows``; 0: one per batch) or at the end.

    A transaction begins only when a batch is there to write, so no lock is held while the
    first batch is mapped; a later batch of the same transaction is waited for holding it.
    Automatic garbage collection is paused as in the mapping process (:mod:`.gcpause`): each
    batch unmarshals hundreds of thousands of tuples, which the young-generation collections
    would otherwise visit (2.4 of 16.3 CPU s of the writer on 1M crossings).
    ``before_last_commit`` runs when the input ends inside a transaction (it usually does:
    the last batches are small), before that transaction commits. With ``demand``, a
    transaction also commits after the batch during which another process's writer asked
    for the write lock (:mod:`pasienis.store.write_demand`). Returns the batches written and
    the transactions committed."""
    batches = commits = 0
    gcpause.pause()
    try:
        item = _read(stream)
        while item is not None:
            with begin() as conn:
                if demand is not None:
                    demand.mark()
                rows, handover = 0, False
                while item is not None:
                    write(conn, *item)
                    batches += 1
                    gcpause.tick(batches)
                    rows += batch_rows(item[0])
                    handover = demand is not None and demand.asked()
                    if rows >= commit_rows or handover:
                        break
                    item = _read(stream)
                if item is None and before_last_commit is not None:
                    before_last_commit()
            commits += 1
            if handover:  # another process's writer waits: let it in before beginning again
                time.sleep(HANDOVER_S)
            if item is not None:  # the transaction was full: the next batch starts another
                item = _read(stream)
    finally:
        gcpause.resume()
    return batches, commits


def batch_rows(batch: Output) -> int:
    """The rows a batch writes (statements, events, quarantine entries)."""
    events = sum(len(rows) for rows in batch.events.values())
    return len(batch.statements) + events + len(batch.quarantine)


def child_main(parent: int) -> int:
    """The writer process: open the store, write batches until the end, report on stdout."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it ends the input
    from pasienis.ingest import runs  # the parent's import state does not cross
    from pasienis.store import bulk_checkpoints, open_store

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    store = None
    try:
        settings, run, targets = _read(stdin)
        store = open_store(settings)

        def write(conn: Any, batch: Output, checkpoint: int) -> None:
            runs.write_batch(store, conn, run, batch, checkpoint, targets)

        # One connection for every transaction, its WAL copied from a thread (bulk_checkpoints).
        with store.connect() as conn, bulk_checkpoints(store, conn) as copier:
            write_stream(
                stdin, lambda: store.begin(conn), write,
                commit_rows=settings.ingest_writer_commit_rows,
                before_last_commit=copier.last_commit_next if copier is not None else None,
                demand=store.write_demand(),
            )  # fmt: skip
    except BaseException as exc:  # reported to the parent, which raises it
        log.exception("ingest writer process failed")
        message = getattr(exc, "message", None) or repr(exc)
        stdout.write(f"error: {message}".encode())
        stdout.flush()
        return 1
    finally:
        if store is not None:
            store.dispose()
    stdout.write(b"done")
    stdout.flush()
    return 0
