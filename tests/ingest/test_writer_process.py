"""Large imports write from a child process: same result, failures reported, no orphan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.ingest.conftest import count

from pasienis.ingest import IngestError, parse_mapping, run_import
from pasienis.ingest.models import import_runs
from pasienis.ingest.pipeline import Output
from pasienis.ingest.writer import ProcessWriter
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


def test_process_writer_same_result_as_thread(sqlite_store: Store, tmp_path: Path) -> None:
    source = tmp_path / "crossings.csv"
    _write(source, 5_000)
    mapping = parse_mapping(MAPPING, name="process.yml")
    result = run_import(
        sqlite_store, source=source, mapping=mapping, batch_size=700, writer_process_from=1_000
    )
    assert result.status == "completed"
    run = result.run
    assert (run["records"], run["events"], run["quarantined"]) == (5_000, 4_990, 10)
    assert run["statements"] == 53 * 2
    assert count(sqlite_store, border_crossings) == 4_990
    assert count(sqlite_store, statements) == 106
    with sqlite_store.read() as conn:
        assert conn.execute(select(import_runs.c.checkpoint)).scalar() == 5_000


def test_child_failure_is_raised(sqlite_store: Store) -> None:
    run = {"id": "r1", "dataset": "d", "source_name": "s"}
    writer = ProcessWriter(sqlite_store.settings, run, {"x": ("border_crossings", ("id", "nope"))})
    out = Output(records=1)
    out.events["x"] = [("e1", "v")]
    writer.submit(out, 1)  # the child reads it; its failure comes back at close at the latest
    with pytest.raises(IngestError, match=r"writer process failed.*nope"):
        writer.close()


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
