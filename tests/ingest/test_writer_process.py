"""Large imports write from a child process: same result, failures reported, no orphan."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from tests.ingest.conftest import count

from pasienis.ingest import IngestError, parse_mapping, run_import
from pasienis.ingest.models import import_runs
from pasienis.ingest.pipeline import Output
from pasienis.ingest.rows import EventTarget
from pasienis.ingest.writer import END_FRAME, ProcessWriter, encode, write_stream
from pasienis.model.events import border_crossings
from pasienis.model.models import statements
from pasienis.store import Store

MAPPING = """
dataset: crossings_process
source: {format: csv}
entities:
  person:
    schema: Person
    key: [person]
    properties: {name: person}
events:
  crossing:
    table: border_crossings
    key: [id]
    columns: {occurred_at: time, person_id: {entity: person}}
"""


def _write(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,person,time\n")
        for i in range(rows):
            time_text = "2026-10-01T08:00:00+03:00" if i % 500 else "yesterday"  # some quarantined
            handle.write(f"C{i},Person {i % 53},{time_text}\n")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = (
        Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}").exists() else "X"
    )
    return status not in ("Z", "X")


@pytest.mark.parametrize("commit_rows", [0, 1_500, 250_000])
def test_process_writer_same_result_as_thread(
    sqlite_store: Store, tmp_path: Path, commit_rows: int
) -> None:
    """Whether the writer process commits every batch, every few or once, the store ends the
    same (700-record batches write about 700 rows: 1,500 commits every third batch)."""
    assert sqlite_store.settings is not None
    sqlite_store.settings.ingest_writer_commit_rows = commit_rows
    source = tmp_path / "crossings.csv"
    _write(source, 5_000)
    mapping = parse_mapping(MAPPING, name="process.yml")
    result = run_import(
        sqlite_store, source=source, mapping=mapping, batch_size=700, writer_process_from=1_000
    )
    assert result.status == "completed_with_quarantine"
    run = result.run
    assert (run["records"], run["events"], run["quarantined"]) == (5_000, 4_990, 10)
    assert run["statements"] == 53 * 2
    assert count(sqlite_store, border_crossings) == 4_990
    assert count(sqlite_store, statements) == 106
    with sqlite_store.read() as conn:
        assert conn.execute(select(import_runs.c.checkpoint)).scalar() == 5_000


def _frames(sizes: list[int], *, end: bool = True) -> io.BytesIO:
    """A writer's input: one batch per size, with that many statement rows."""
    frames = b""
    for done, size in enumerate(sizes, start=1):
        batch = Output(records=size)
        batch.statements = [("s", "e")] * size
        frames += encode((batch, done), batch)
    return io.BytesIO(frames + (END_FRAME if end else b""))


def _recording(log: list[str]) -> tuple[object, object]:
    @contextlib.contextmanager
    def begin() -> Iterator[str]:
        log.append("begin")
        yield "conn"
        log.append("commit")

    def write(conn: str, batch: Output, done: int) -> None:
        assert conn == "conn"
        log.append(f"batch {done}")

    return begin, write


@pytest.mark.parametrize(
    ("sizes", "commit_rows", "transactions"),
    [
        ([2, 2, 2, 2, 2], 5, [[1, 2, 3], [4, 5]]),  # commits after the batch that reaches 5
        ([2, 2, 2, 2, 2], 0, [[1], [2], [3], [4], [5]]),  # 0: one per batch (each one full)
        ([9, 1, 1], 5, [[1], [2, 3]]),  # a batch larger than the bound is one transaction
        ([2, 2], 100, [[1, 2]]),  # the end of the input commits what is open
        ([], 5, []),  # no batch: no transaction, no lock taken
    ],
)
def test_write_stream_groups_batches_into_transactions(
    sizes: list[int], commit_rows: int, transactions: list[list[int]]
) -> None:
    log: list[str] = []
    begin, write = _recording(log)
    written = write_stream(
        _frames(sizes), begin, write, commit_rows=commit_rows,  # type: ignore[arg-type]
        before_last_commit=lambda: log.append("input ended"),
    )  # fmt: skip
    expected = [
        x for group in transactions for x in ("begin", *(f"batch {b}" for b in group), "commit")
    ]
    if commit_rows and expected:  # once, in the last transaction, before it commits
        expected.insert(len(expected) - 1, "input ended")
    assert log == expected
    assert written == (len(sizes), len(transactions))


def test_a_failed_batch_rolls_back_its_transaction_only(sqlite_store: Store) -> None:
    """A batch that fails takes the batches of its open transaction with it, never those
    committed before: the run's checkpoint is the last committed batch's."""
    from sqlalchemy import insert

    from pasienis.ingest.models import import_runs as runs_table

    def write(conn: object, batch: Output, done: int) -> None:
        if done == 5:
            raise RuntimeError("disk full")
        conn.execute(  # type: ignore[attr-defined]
            insert(runs_table).values(
                id=f"r{done}", dataset="d", source_name="s", content_hash="h",
                mapping_name="m", mapping_hash="m", status="running", checkpoint=done,
                started_at=datetime.now(UTC),
            )
        )  # fmt: skip

    with sqlite_store.connect() as conn, pytest.raises(RuntimeError, match="disk full"):
        write_stream(
            _frames([2] * 6), lambda: sqlite_store.begin(conn), write, commit_rows=6
        )  # fmt: skip
    with sqlite_store.read() as conn:
        kept = sorted(conn.execute(select(runs_table.c.checkpoint)).scalars())
    assert kept == [1, 2, 3]  # batches 4 and 5 shared the transaction that failed


def test_input_cut_before_its_end_rolls_back_the_open_transaction(sqlite_store: Store) -> None:
    """A killed import closes the writer's input without the end frame (the kernel closes
    the pipe before the death signal arrives): the open transaction must not be committed as
    if the import had ended, or a kill would commit batches after its parent is gone."""

    def write(conn: object, batch: Output, done: int) -> None:
        conn.execute(  # type: ignore[attr-defined]
            text("INSERT INTO import_runs_probe (checkpoint) VALUES (:c)"), {"c": done}
        )

    with sqlite_store.begin() as conn:
        conn.execute(text("CREATE TABLE import_runs_probe (checkpoint INTEGER)"))
    with sqlite_store.connect() as conn, pytest.raises(IngestError, match="ended before"):
        write_stream(
            _frames([2] * 5, end=False), lambda: sqlite_store.begin(conn), write, commit_rows=6
        )  # fmt: skip
    with sqlite_store.read() as conn:
        kept = sorted(conn.execute(text("SELECT checkpoint FROM import_runs_probe")).scalars())
    assert kept == [1, 2, 3]  # batches 4 and 5 were in the transaction the cut rolled back


def test_child_failure_is_raised(sqlite_store: Store) -> None:
    run = {"id": "r1", "dataset": "d", "source_name": "s", "started_at": datetime.now(UTC)}
    target = EventTarget("border_crossings", ("id", "nope"), "x", "x\x1f")
    writer = ProcessWriter(sqlite_store.settings, run, {"x": target})
    out = Output(records=1)
    out.events["x"] = [("e1", "v")]
    writer.submit(out, 1)  # the child reads it; its failure comes back at close at the latest
    with pytest.raises(IngestError, match=r"writer process failed.*nope"):
        writer.close()


WAITING_WRITER = """
import sys
from sqlalchemy import text
from pasienis.config import Settings
from pasienis.store import open_store
store = open_store(Settings(database_url=sys.argv[1]))
with store.begin() as conn:
    conn.execute(text("INSERT INTO import_runs_probe (checkpoint) VALUES (-1)"))
"""


def test_a_writer_of_another_process_ends_the_transaction_it_waits_for(
    sqlite_store: Store,
) -> None:
    """A transaction of many batches commits after the batch during which another process's
    writer asked for the lock; that writer then writes, and the rest follows in a new one."""
    demand = sqlite_store.write_demand()
    assert demand is not None
    other: list[subprocess.Popen[bytes]] = []

    def write(conn: object, batch: Output, done: int) -> None:
        conn.execute(  # type: ignore[attr-defined]
            text("INSERT INTO import_runs_probe (checkpoint) VALUES (:c)"), {"c": done}
        )
        if done == 2:  # hold the lock until the other process has found it taken
            url = str(sqlite_store.engine.url)
            other.append(subprocess.Popen([sys.executable, "-c", WAITING_WRITER, url]))
            deadline = time.monotonic() + 60
            while not demand.asked() and time.monotonic() < deadline:
                time.sleep(0.01)

    with sqlite_store.begin() as conn:
        conn.execute(text("CREATE TABLE import_runs_probe (checkpoint INTEGER)"))
    with sqlite_store.connect() as conn:
        written = write_stream(
            _frames([2] * 5), lambda: sqlite_store.begin(conn), write,
            commit_rows=1_000_000, demand=demand,
        )  # fmt: skip
    assert other[0].wait(timeout=60) == 0
    # One transaction without the ask (commit_rows is far away); batches 1-2 committed as
    # asked, then 3-5 (in two, if the other writer missed the hand-over and asked again).
    assert written[0] == 5
    assert written[1] in (2, 3)
    with sqlite_store.read() as conn:
        stored = conn.execute(text("SELECT checkpoint FROM import_runs_probe ORDER BY rowid"))
        assert sorted(stored.scalars()) == [-1, 1, 2, 3, 4, 5]


def test_writer_dies_with_its_parent(sqlite_store: Store, tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, time\n"
        "from pasienis.config import Settings\n"
        "from pasienis.ingest.writer import ProcessWriter\n"
        f"w = ProcessWriter(Settings(database_url={str(sqlite_store.engine.url)!r}), {{}}, {{}})\n"
        "print(w._child.pid, flush=True)\n"
        "time.sleep(60)\n",
        encoding="utf-8",
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the writer outlived its killed parent"


def test_frames_carry_bound_rows_marshalled_and_anything_else_pickled() -> None:
    """Bound batches cross the pipe with their rows marshalled; a batch with datetimes (an FtM
    import) or a quarantined record crosses pickled; both arrive as sent."""
    import io
    from datetime import UTC, datetime

    from pasienis.ingest.pipeline import RecordProblem
    from pasienis.ingest.readers.base import SourceRecord
    from pasienis.ingest.writer import _read, encode

    bound = Output(records=3, entities=1, bound=True)
    text = "2026-09-01 09:00:00.000000"
    bound.statements = [("s1", "e1", "Person", "name", "name", "Jonas", None, None, "d", "f:2",
                         "r", text, text)]  # fmt: skip
    bound.events = {"crossing": [("c1", "d", "f:2", "r", None, text, 54.4, 25.7, "e1")]}
    bound.quarantine = [(SourceRecord(3, "f:4", {"time": "x"}), RecordProblem("time", "x", "bad"))]
    unbound = Output(records=1)
    when = datetime(2026, 9, 1, tzinfo=UTC)
    unbound.statements = [("s2", "e2", "Person", "id", "id", "e2", None, None, "d", "f:5", "r",
                           when, when)]  # fmt: skip
    stream = io.BytesIO(encode((bound, 3), bound) + encode((unbound, 4), unbound) + END_FRAME)
    got_bound, checkpoint = _read(stream)
    assert checkpoint == 3
    assert (got_bound.statements, got_bound.events) == (bound.statements, bound.events)
    assert (got_bound.records, got_bound.entities, got_bound.bound) == (3, 1, True)
    assert [(r.locator, p.reason) for r, p in got_bound.quarantine] == [("f:4", "bad")]
    got_unbound, checkpoint = _read(stream)
    assert (got_unbound.statements, checkpoint) == (unbound.statements, 4)
    assert _read(stream) is None
    assert bound.statements  # encoding leaves the caller's batch whole
    assert bound.events
