"""A kill -9 of the server while it screens an import loses no alert and repeats none."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.ops.live_server import LiveServer

from pasienis.jobs import publish_in
from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.store import Store
from pasienis.watch import EntryCreate, add_entry, create_list
from pasienis.watch.follow import CURSOR
from pasienis.watch.models import watch_alerts
from pasienis.watch.service import get_state

pytestmark = pytest.mark.slow
RECORDS = 24_000


def _count(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(watch_alerts)).scalar() or 0)


def _cursor(store: Store) -> int:
    with store.read() as conn:
        return get_state(conn, CURSOR)


def _wait(done: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not done():
        time.sleep(0.05)


def test_kill_during_screening_loses_no_alert(sqlite_store: Store, tmp_path: Path) -> None:
    store = sqlite_store
    prov = Provenance("border", datetime(2026, 9, 1, tzinfo=UTC), run_id="run-big")
    with store.begin() as conn:
        create_list(conn, name="wanted", dataset="intel", owner="test")
        add_entry(
            conn,
            list_ref="wanted",
            owner="test",
            body=EntryCreate(kind="person", name="Jonas Jonaitis", reason="wanted"),
        )
        rows = []
        for i in range(RECORDS):
            name = "Jonaitis Jonas" if i % 2 == 0 else f"Petras Petraitis{i}"
            rows += entity_statements(f"p{i:06d}", "Person", {"name": name}, prov)
        write_statements(store, conn, rows)
        publish_in(conn, topic="import.completed", payload={"id": "run-big", "dataset": "border"})
    expected = RECORDS // 2
    env = {"PASIENIS_WATCH_SCREEN_INTERVAL_S": "0.05", "PASIENIS_SEARCH_INDEX_INTERVAL_S": "0"}
    server = LiveServer(data_dir=tmp_path, database_url=str(store.engine.url), env=env)
    server.start()
    try:
        _wait(lambda: _count(store) > 0, timeout=120)
        server.kill()
        killed_at = _count(store)
        assert _cursor(store) == 0, "the cursor moved before the run was screened"
        assert 0 < killed_at < expected, f"kill came too late or too early ({killed_at})"
        server.start()
        # The run is screened once the cursor has passed it; stopped then, the server can
        # add nothing later, so the count below is final (no sleep for stragglers).
        _wait(lambda: _cursor(store) > 0, timeout=300)
    finally:
        server.stop()
    assert _cursor(store) > 0, "the run was never screened to the end"
    assert _count(store) == expected
    with store.read() as conn:
        ids = {r for (r,) in conn.execute(select(watch_alerts.c.record_id))}
    assert ids == {f"p{i:06d}" for i in range(0, RECORDS, 2)}
