"""Jobs: the worker runs registered kinds with progress; the bus persists and fans out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pasienis.jobs import Bus, JobContext, JobRunner, UnknownJobKindError, events_since, get_job
from pasienis.store import Store


def test_job_runs_with_progress_and_result(store: Store) -> None:
    runner = JobRunner(store)

    def count(ctx: JobContext) -> dict[str, Any]:
        for i in range(3):
            ctx.progress(i + 1, 3, f"step {i + 1}", force=True)
        return {"n": ctx.params["n"] * 2}

    runner.register("double", count)
    job_id = runner.submit("double", {"n": 21}, created_by="tester")
    job = runner.wait(job_id)
    runner.shutdown()
    assert (job["status"], job["result"], job["created_by"]) == ("succeeded", {"n": 42}, "tester")
    assert (job["progress_done"], job["progress_total"]) == (3, 3)


def test_failing_job_records_error_and_unknown_kind(store: Store) -> None:
    runner = JobRunner(store)
    runner.register("boom", lambda _ctx: 1 / 0)  # type: ignore[arg-type,return-value]
    job = runner.wait(runner.submit("boom"))
    runner.shutdown()
    assert job["status"] == "failed"
    assert "ZeroDivisionError" in job["error"]
    with pytest.raises(UnknownJobKindError):
        runner.submit("nope")


def test_bus_persists_and_catches_up_by_cursor(store: Store) -> None:
    bus = Bus(store)
    seen: list[str] = []
    bus.subscribe("alert.raised", lambda e: seen.append(e.payload["id"]))
    bus.subscribe("alert.raised", lambda _e: 1 / 0)  # a failing handler does not stop others
    first = bus.publish("alert.raised", {"id": "A1"})
    bus.publish("task.completed", {"id": "T1"})
    assert seen == ["A1"]
    with store.read() as conn:
        later = events_since(conn, cursor=first.id)
        alerts = events_since(conn, topics=["alert.raised"])
    assert [e.topic for e in later] == ["task.completed"]
    assert [e.payload for e in alerts] == [{"id": "A1"}]


def test_import_job_through_the_api(
    sqlite_store: Store, base_settings: Any, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from pasienis.api import create_app
    from pasienis.security import Role
    from pasienis.security.provision import provision

    with sqlite_store.begin() as conn:
        token = provision(conn, name="ana", roles=[Role.analyst], datasets=[])
    app = create_app(base_settings, store=sqlite_store)
    csv_text = "id,name\n1,Jonas\n2,Ona\n"
    mapping = (
        "dataset: people\nentities:\n  p: {schema: Person, key: [id], properties: {name: name}}\n"
    )
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        response = client.post(
            "/api/imports",
            files={"file": ("p.csv", csv_text.encode()), "mapping": ("m.yml", mapping.encode())},
        )
        assert response.status_code == 202, response.text
        job_id = response.json()["job_id"]
        job = app.state.jobs.wait(job_id)
        assert job["status"] == "succeeded", job
        assert job["result"]["records"] == 2
        polled = client.get(f"/api/jobs/{job_id}").json()
        assert polled["status"] == "succeeded"
        assert [r["source_name"] for r in client.get("/api/imports").json()] == ["p.csv"]
        bad = client.post(
            "/api/imports", files={"file": ("p.csv", b"x"), "mapping": ("m.yml", b"dataset: [")}
        )
        assert bad.status_code == 422
    with sqlite_store.read() as conn:
        assert get_job(conn, job_id=job_id)["created_by"] == "ana"


def test_large_import_job_uses_writer_process_and_deferred_indexes(
    sqlite_store: Store, base_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API passes the configured thresholds to the job: here a 3,000-record upload counts
    as large, so it loads without secondary indexes (and rebuilds them). The import runs in a
    process of its own, not in the API server's (which keeps its garbage collector)."""
    import os

    from fastapi.testclient import TestClient

    from pasienis.api import create_app
    from pasienis.security import Role
    from pasienis.security.provision import provision
    from pasienis.store import deferred, droppable_indexes

    settings = base_settings.model_copy(
        update={"ingest_writer_process_from": 1_000, "ingest_defer_indexes_from": 1_000}
    )
    with sqlite_store.begin() as conn:
        token = provision(conn, name="ana", roles=[Role.analyst], datasets=[])
        indexes = {name for name, _ddl in droppable_indexes(conn, "statements")}
    app = create_app(settings, store=sqlite_store)
    rows = "".join(f"{i},Person {i}\n" for i in range(3_000))
    mapping = (
        "dataset: many\nentities:\n  p: {schema: Person, key: [id], properties: {name: name}}\n"
    )
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        response = client.post(
            "/api/imports",
            files={
                "file": ("many.csv", f"id,name\n{rows}".encode()),
                "mapping": ("m.yml", mapping.encode()),
            },
        )
        assert response.status_code == 202, response.text
        job = app.state.jobs.wait(response.json()["job_id"])
    assert job["status"] == "succeeded", job
    assert (job["result"]["records"], job["result"]["statements"]) == (3_000, 6_000)
    assert job["result"]["import_pid"] != os.getpid()
    with sqlite_store.read() as conn:
        assert deferred(conn) == []
        assert {name for name, _ddl in droppable_indexes(conn, "statements")} == indexes


def test_wait_raises_when_the_job_is_still_running(store: Store) -> None:
    """A job that is not final by the deadline is an error naming it, never handed back as
    if it were done."""
    import threading

    release = threading.Event()
    runner = JobRunner(store)
    runner.register("slow", lambda _ctx: {"waited": release.wait(30)})
    job_id = runner.submit("slow")
    with pytest.raises(TimeoutError, match=job_id):
        runner.wait(job_id, timeout=0.3)
    release.set()
    job = runner.wait(job_id)
    runner.shutdown()
    assert (job["status"], job["result"]) == ("succeeded", {"waited": True})
