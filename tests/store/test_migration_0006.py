"""Migration 0006: old grants become read grants; old import jobs get their run's dataset."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from pasienis.config import Settings
from pasienis.store import open_store
from pasienis.store.migrate import downgrade, upgrade


def test_grants_and_jobs_carry_over(tmp_path: Path) -> None:
    store = open_store(Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}", data_dir=tmp_path))
    upgrade(store, "0005")
    now = {"n": datetime.now(UTC)}
    with store.begin() as conn:
        conn.execute(text(
            "INSERT INTO jobs (id, kind, status, progress_done, created_at, updated_at) "
            "VALUES ('j1', 'import', 'succeeded', 0, :n, :n), ('j2', 'other', 'queued', 0, :n, :n)"
        ), now)  # fmt: skip
        conn.execute(text(
            "INSERT INTO import_runs (id, dataset, source_name, content_hash, mapping_name, "
            "mapping_hash, status, job_id, started_at, checkpoint, records, entities, "
            "statements, events, quarantined) VALUES ('r1', 'ds_x', 'f.csv', 'h', 'm', 'mh', "
            "'completed', 'j1', :n, 0, 0, 0, 0, 0, 0)"
        ), now)  # fmt: skip
        conn.execute(text(
            "INSERT INTO access_grants (resource_kind, resource, grantee_kind, grantee, "
            "granted_at) VALUES ('dataset', 'ds_x', 'user', 'u1', :n)"
        ), now)  # fmt: skip
    upgrade(store)
    with store.read() as conn:
        jobs = dict(conn.execute(text("SELECT id, dataset FROM jobs")).all())
        permissions = conn.execute(text("SELECT permission FROM access_grants")).scalars().all()
    assert jobs == {"j1": "ds_x", "j2": None}
    assert permissions == ["read"]  # writing needs a new, explicit write grant
    downgrade(store, "0005")
    upgrade(store)
    store.dispose()
