"""The audit chain names the first altered, deleted or reordered entry — on both engines."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from pasienis.config import Settings
from pasienis.security import AuditEntry, append_entry, verify_chain
from pasienis.security.audit import GENESIS, entry_hash, search_audit
from pasienis.security.models import audit_head, audit_log
from pasienis.store import Store, open_store


def fill(store: Store, count: int = 6) -> None:
    for i in range(1, count + 1):
        append_entry(
            store,
            AuditEntry(
                action="entity.read",
                actor_name=f"user{i % 2}",
                entity_ids=(f"e{i}",),
                query={"q": f"name {i}"},
                purpose="case 42",
                ip="10.0.0.1",
            ),
        )


def test_an_untouched_chain_verifies(store: Store) -> None:
    fill(store)
    result = verify_chain(store)
    assert result.ok
    assert result.checked == 6
    assert result.first_bad_seq is None


def test_an_altered_entry_is_named(store: Store) -> None:
    fill(store)
    with store.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 4).values(actor_name="someone"))
    result = verify_chain(store)
    assert not result.ok
    assert result.first_bad_seq == 4
    assert "altered" in str(result.reason)
    assert result.checked == 3


def test_a_rehashed_alteration_breaks_the_next_link(store: Store) -> None:
    """An attacker who recomputes the altered entry's hash still breaks entry 4's link."""
    fill(store)
    with store.begin() as conn:
        row = dict(conn.execute(select(audit_log).where(audit_log.c.seq == 3)).one()._mapping)
        row["purpose"] = "nothing to see"
        conn.execute(
            update(audit_log)
            .where(audit_log.c.seq == 3)
            .values(purpose=row["purpose"], hash=entry_hash(row))
        )
    result = verify_chain(store)
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_a_deleted_entry_is_named(store: Store) -> None:
    fill(store)
    with store.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 3))
    result = verify_chain(store)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "entry 3 is missing" in str(result.reason)


def test_deleting_the_last_entries_is_detected(store: Store) -> None:
    fill(store)
    with store.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq >= 5))
    result = verify_chain(store)
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert "deleted" in str(result.reason)


def test_two_reordered_entries_are_named(store: Store) -> None:
    fill(store)
    with store.begin() as conn:  # swap the sequence numbers of entries 2 and 5
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(seq=-2))
        conn.execute(update(audit_log).where(audit_log.c.seq == 5).values(seq=2))
        conn.execute(update(audit_log).where(audit_log.c.seq == -2).values(seq=5))
    result = verify_chain(store)
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "reordered" in str(result.reason)


def test_search_filters(store: Store) -> None:
    fill(store)
    with store.read() as conn:
        assert [r["seq"] for r in search_audit(conn, user="user1")] == [5, 3, 1]
        (hit,) = search_audit(conn, entity="e4")
        assert hit["entity_ids"] == ["e4"]
        assert hit["query"] == {"q": "name 4"}
        assert search_audit(conn, entity="e") == []  # exact ids, not substrings
        assert len(search_audit(conn, action="entity.read", limit=2)) == 2
        first = search_audit(conn, user="user1")[-1]["at"]
        assert [r["seq"] for r in search_audit(conn, until=first)] == []
        assert len(search_audit(conn, since=first)) == 6


def test_concurrent_appends_keep_one_chain(tmp_path: Path, sqlite_template: Path) -> None:
    """Eight threads append at once on a real SQLite file: no fork, no gap."""
    path = tmp_path / "c.db"
    shutil.copyfile(sqlite_template, path)
    store = open_store(Settings(database_url=f"sqlite:///{path}"))
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: append_entry(store, AuditEntry(action=f"a{i}")), range(80)))
        result = verify_chain(store)
        assert result.ok
        assert result.checked == 80
    finally:
        store.dispose()


@pytest.mark.postgresql
def test_concurrent_appends_on_postgresql(pg_url: str) -> None:
    """Real concurrent transactions (not the pinned test connection) serialise on the head."""
    store = open_store(Settings(database_url=pg_url))
    try:
        before = verify_chain(store)
        assert before.ok
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: append_entry(store, AuditEntry(action=f"p{i}")), range(80)))
        after = verify_chain(store)
        assert after.ok
        assert after.checked == before.checked + 80
    finally:  # this test commits; leave the shared database as the other tests expect it
        with store.begin() as conn:
            conn.execute(delete(audit_log))
            conn.execute(update(audit_head).values(seq=0, hash=GENESIS))
        store.dispose()
