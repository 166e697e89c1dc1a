"""The alert feed's cursor on PostgreSQL: an alert whose transaction took an earlier id but
commits later is not skipped (the bus commits in id order), and resuming with ``after=`` gives
what was raised meanwhile. Real concurrent transactions on a database of its own (the shared
test database runs each test in a rolled-back transaction, which cannot show this)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from tests.conftest import PG_ADMIN_URL, service_missing

from pasienis.api.routers.alerts import _head, _next_batch
from pasienis.config import Settings
from pasienis.jobs import events_since, publish_in
from pasienis.store import Store, open_store, upgrade
from pasienis.watch import ALERT_TOPIC
from pasienis.watch.models import watch_alerts

pytestmark = pytest.mark.postgresql


@pytest.fixture
def pg_store() -> Iterator[Store]:
    name = f"pasienis_cursor_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        service_missing("PostgreSQL on 127.0.0.1:5432", exc)
    store = open_store(Settings(database_url=PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"))
    try:
        upgrade(store)
        yield store
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _alert(conn, alert_id: str) -> None:  # type: ignore[no-untyped-def]
    stamp = datetime.now(UTC)
    conn.execute(watch_alerts.insert().values(
        id=alert_id, entry_id="e", list_id="l", entry_dataset="intel", kind="person",
        record_kind="entity", record_id=alert_id, record_dataset="border", run_id="run-1",
        score=1.0,
        matched=[], evidence={}, priority=1, status="open", created_at=stamp))  # fmt: skip
    publish_in(conn, topic=ALERT_TOPIC, payload={"alert_ids": [alert_id]})


def test_an_earlier_id_committing_later_is_not_skipped(pg_store: Store) -> None:
    store = pg_store
    seen: list[str] = []
    cursor = _head(store)
    visible = frozenset({"intel", "border"})

    def follow() -> None:
        nonlocal cursor
        cursor, rows = _next_batch(store, cursor, visible)
        seen.extend(r["id"] for r in rows)

    slow = store.engine.connect()
    slow_tx = slow.begin()
    _alert(slow, "a-first")  # takes the earlier id and holds it uncommitted

    def second() -> None:
        with store.begin() as conn:
            _alert(conn, "a-second")

    racer = threading.Thread(target=second)
    racer.start()
    racer.join(timeout=3)  # without ordered commits the later id commits now
    follow()
    slow_tx.commit()
    slow.close()
    racer.join()
    follow()
    follow()
    assert seen == ["a-first", "a-second"]
    with store.read() as conn:
        ids = [e.id for e in events_since(conn, topics=[ALERT_TOPIC])]
    assert ids == sorted(ids)


def test_resume_after_a_cursor_gives_what_was_raised_meanwhile(pg_store: Store) -> None:
    store = pg_store
    visible = frozenset({"intel", "border"})
    with store.begin() as conn:
        _alert(conn, "b1")
    cursor, rows = _next_batch(store, 0, visible)
    assert [r["id"] for r in rows] == ["b1"]

    def raise_some(prefix: str) -> None:
        for i in range(20):
            with store.begin() as conn:
                _alert(conn, f"{prefix}{i:02d}")

    writers = [threading.Thread(target=raise_some, args=(p,)) for p in ("x", "y", "z")]
    for w in writers:
        w.start()
    got: list[str] = []
    while any(w.is_alive() for w in writers):  # a client reading while others insert
        cursor, rows = _next_batch(store, cursor, visible)
        got.extend(r["id"] for r in rows)
    for w in writers:
        w.join()
    while True:  # the reconnect: resume after the last cursor it was sent
        cursor, rows = _next_batch(store, cursor, visible)
        if not rows:
            break
        got.extend(r["id"] for r in rows)
    expected = {f"{p}{i:02d}" for p in "xyz" for i in range(20)}
    assert sorted(got) == sorted(expected), "an alert was missed or sent twice"
