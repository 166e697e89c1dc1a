"""``pasienis db``: deferred indexes listed, rebuilt by table, and rebuilt by ``db upgrade``."""

from __future__ import annotations

import pytest
from rich.console import Console

from pasienis.cli import db as db_cli
from pasienis.store import Store, defer_indexes, deferred


@pytest.fixture
def run(cli, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(db_cli, "out", Console(width=200))  # whole index names in the table
    return cli


def pending(store: Store) -> dict[str, str]:
    with store.read() as conn:
        return {row["index_name"]: row["table_name"] for row in deferred(conn)}


def test_deferred_indexes_are_listed_and_rebuilt(run, sqlite_store: Store) -> None:
    assert "no deferred indexes" in run("db", "indexes")
    assert "no deferred indexes to rebuild" in run("db", "restore-indexes")
    with sqlite_store.begin() as conn:
        defer_indexes(conn, "border_crossings", owner="run-7")
        defer_indexes(conn, "statements", owner="run-8")

    listed = run("db", "indexes")
    for name in ("ix_border_crossings_person_id", "ix_statements_entity_id", "run-7", "run-8"):
        assert name in listed
    assert "border_crossings" in listed

    rebuilt = run("db", "restore-indexes", "--table", "statements")
    assert "rebuilt 3 index(es)" in rebuilt
    assert "ix_statements_run_id" in rebuilt
    assert set(pending(sqlite_store).values()) == {"border_crossings"}

    assert "no deferred indexes to rebuild" in run("db", "restore-indexes", "--owner", "run-8")
    assert "rebuilt 3 index(es)" in run("db", "restore-indexes", "--owner", "run-7")
    assert pending(sqlite_store) == {}


def test_upgrade_rebuilds_every_deferred_index(run, sqlite_store: Store) -> None:
    with sqlite_store.begin() as conn:
        names = defer_indexes(conn, "plate_reads", owner="killed-import")
    assert len(names) == 4  # camera, plate, vehicle and (lat, lon)
    upgraded = run("db", "upgrade")
    assert "database at revision" in upgraded
    assert "rebuilt 4 deferred index(es)" in upgraded
    assert pending(sqlite_store) == {}
    again = run("db", "upgrade")
    assert "rebuilt" not in again
