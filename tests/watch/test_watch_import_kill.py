"""Import screening by the durable follower: a kill -9 of the importing process after its run
is committed but before anything screened it loses no alert, and screening again (a crash
before the cursor moved, a redelivered event) raises none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from pasienis.ingest.models import import_runs
from pasienis.jobs import events_since, publish_in
from pasienis.store import Store
from pasienis.watch import EntryCreate, IndexCache, add_entry, catch_up, create_list
from pasienis.watch.follow import CURSOR
from pasienis.watch.models import watch_alerts
from pasienis.watch.service import get_state

MAPPING = """
dataset: border
source: {format: csv}
entities:
  person:
    schema: Person
    key: [id]
    properties: {name: name}
"""
# The real importer in a process of its own, which then waits to be killed (it runs no
# screener: the kill comes between the import's commit and any screening).
IMPORTER = """
import sys, time
from pathlib import Path
from pasienis.config import Settings
from pasienis.ingest import parse_mapping, run_import
from pasienis.model import install_model
from pasienis.store import open_store
settings = Settings()
install_model(settings)
mapping = Path(sys.argv[2])
run_import(open_store(settings), source=Path(sys.argv[1]),
           mapping=parse_mapping(mapping.read_text(), name=str(mapping)))
print("imported", flush=True)
time.sleep(600)
"""
RECORDS = 400


def _alerts(store: Store) -> list[str]:
    with store.read() as conn:
        return sorted(conn.execute(select(watch_alerts.c.record_id)).scalars())


def test_kill_between_import_and_screening_loses_and_repeats_nothing(
    sqlite_store: Store, tmp_path: Path
) -> None:
    store = sqlite_store
    with store.begin() as conn:
        create_list(conn, name="wanted", dataset="intel", owner="test")
        entry = EntryCreate(kind="person", name="Jonas Jonaitis", reason="wanted")
        add_entry(conn, list_ref="wanted", owner="test", body=entry)
    source, mapping = tmp_path / "border.csv", tmp_path / "border.yml"
    lines = ["id,name"] + [
        f"{i},{'Jonaitis Jonas' if i % 4 == 0 else f'Petras Petraitis{i}'}" for i in range(RECORDS)
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping.write_text(MAPPING, encoding="utf-8")
    env = {**os.environ, "PASIENIS_DATABASE_URL": str(store.engine.url),
           "PASIENIS_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(source), str(mapping)],
        env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "imported"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with store.read() as conn:
        run = conn.execute(select(import_runs)).one()
        events = events_since(conn, topics=["import.completed"])
        assert get_state(conn, CURSOR) == 0
    assert run.status == "completed"
    assert [e.payload["id"] for e in events] == [run.id], "the run closed without its event"
    assert _alerts(store) == []  # nothing screened it before the kill

    cache = IndexCache(name_threshold=0.88)
    assert catch_up(store, cache) == 1  # the next screener (any process) finds the run
    found = _alerts(store)
    assert len(found) == RECORDS // 4
    with store.read() as conn:
        names = {n for (e,) in conn.execute(select(watch_alerts.c.evidence))
                 for n in e["record"]["names"]}  # fmt: skip
    assert names == {"Jonaitis Jonas"}
    # Screened again: the cursor reset by a crash before it moved, or the event redelivered.
    with store.begin() as conn:
        publish_in(conn, topic="import.completed", payload={"id": run.id, "dataset": "border"})
    assert catch_up(store, cache) == 1
    assert _alerts(store) == found
    with store.read() as conn:
        total = conn.execute(select(func.count()).select_from(watch_alerts)).scalar()
    assert total == RECORDS // 4
