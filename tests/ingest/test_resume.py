"""Idempotence and recovery: kill -9 half-way leaves the store consistent and resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select
from tests.ingest.conftest import count

from pasienis.ingest import parse_mapping, run_import
from pasienis.ingest.bulk import owner_of
from pasienis.ingest.models import import_runs
from pasienis.model.models import statements
from pasienis.store import Store, deferred, droppable_indexes

MAPPING = """
dataset: people
source: {format: csv}
entities:
  person:
    schema: Person
    key: [id]
    properties: {name: name}
"""


def _write(path: Path, start: int, stop: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,name\n")
        for i in range(start, stop):
            handle.write(f"{i},Person {i}\n")


def _writers_of(parent: int) -> list[int]:
    """Live writer processes started by ``parent`` (their command line names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().split()[2]
        except (OSError, IndexError):
            continue
        ours = b"pasienis.ingest.writer_main" in argv and str(parent).encode() in argv
        if ours and state != "Z":
            found.append(int(entry.name))
    return found


def test_kill_9_midway_then_resume(sqlite_store: Store, tmp_path: Path) -> None:
    rows = 60_000
    source, mapping = tmp_path / "people.csv", tmp_path / "people.yml"
    _write(source, 0, rows)
    mapping.write_text(MAPPING, encoding="utf-8")
    env = {
        **os.environ,
        "PASIENIS_DATABASE_URL": str(sqlite_store.engine.url),
        "PASIENIS_DATA_DIR": str(tmp_path / "data"),
        "PASIENIS_INGEST_BATCH_RECORDS": "500",
        "PASIENIS_INGEST_DEFER_INDEXES_FROM": "1000",  # so the killed run holds indexes
        "PASIENIS_INGEST_WRITER_PROCESS_FROM": "1000",  # and writes from a child process
        "PASIENIS_INGEST_WRITER_COMMIT_ROWS": "3000",  # that commits every third batch
    }
    cli = [sys.executable, "-c", "from pasienis.cli import main; main()"]
    proc = subprocess.Popen(
        [*cli, "ingest", str(source), "--mapping", str(mapping), "--quiet"], env=env
    )
    checkpoint = 0
    # The CLI imports every capability before it starts (over a minute on a loaded machine):
    # wait for the checkpoint, not for a fixed time.
    deadline = time.monotonic() + 600
    while checkpoint < 2_000 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
        with sqlite_store.read() as conn:
            checkpoint = conn.execute(select(import_runs.c.checkpoint)).scalar() or 0
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    deadline = time.monotonic() + 20  # its writer process dies with it: no late commits
    while _writers_of(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _writers_of(proc.pid)
    with sqlite_store.read() as conn:
        run = conn.execute(select(import_runs)).one()
    assert run.status == "running"
    assert 0 < run.checkpoint < rows
    assert run.checkpoint % 1_500 == 0, "the writer commits three batches at a time"
    # Consistent: exactly the committed records' statements (id + name per person).
    assert count(sqlite_store, statements) == 2 * run.checkpoint
    with sqlite_store.read() as conn:
        held = {row["index_name"] for row in deferred(conn, owners=[owner_of(run.id)])}
    assert "ix_statements_entity_id" in held  # the killed run loaded without them

    result = run_import(
        sqlite_store, source=source, mapping=parse_mapping(mapping.read_text(), name=str(mapping)),
        defer_indexes_from=1000,
    )  # fmt: skip
    assert result.resumed_from == run.checkpoint
    assert result.run["id"] == run.id
    assert result.run["records"] == rows
    assert count(sqlite_store, statements) == 2 * rows
    with sqlite_store.read() as conn:  # the resumed run rebuilt what the killed one deferred
        assert deferred(conn) == []
        assert held <= {name for name, _ddl in droppable_indexes(conn, "statements")}


def test_newer_version_adds_only_what_is_new(store: Store, tmp_path: Path) -> None:
    mapping = parse_mapping(MAPPING, name="people.yml")
    source = tmp_path / "people.csv"
    _write(source, 0, 100)
    first = run_import(store, source=source, mapping=mapping)
    assert count(store, statements) == 200
    _write(source, 50, 150)  # 50 seen again, 50 new
    second = run_import(store, source=source, mapping=mapping)
    assert second.status == "completed"
    assert count(store, statements) == 300
    with store.read() as conn:
        again = conn.execute(
            select(statements.c.first_seen, statements.c.last_seen).where(
                statements.c.value == "Person 60"
            )
        ).one()
        old = conn.execute(
            select(statements.c.first_seen, statements.c.last_seen).where(
                statements.c.value == "Person 10"
            )
        ).one()
    assert again.first_seen == first.run["started_at"]
    assert again.last_seen == second.run["started_at"]
    assert old.last_seen == first.run["started_at"]
    assert run_import(store, source=source, mapping=mapping).status == "unchanged"
