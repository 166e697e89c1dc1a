"""Incremental resolution: a new import scored with the saved model, also via the bus."""

from __future__ import annotations

import pytest
from tests.resolve.conftest import SEEN, people

from pasienis.jobs import Bus, JobRunner
from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.resolve import (
    INCREMENTAL_JOB,
    NoModelError,
    RunParams,
    canonical_of,
    incremental_job,
    on_import_completed,
    resolve_new,
    run_batch,
)
from pasienis.store import Store

PARAMS = RunParams(max_pairs=2e4)


def _import_reports(store: Store, run_id: str, n: int = 10) -> dict[str, int]:
    """A report import naming ``n`` known people in Cyrillic-derived spelling, name first."""
    rows, ids = [], {}
    for p in people()[:n]:
        entity_id = f"reports.person-{run_id}-{p['i']}"
        rows += entity_statements(
            entity_id,
            "Person",
            {
                "name": f"{p['last']} {p['first']}",
                "birthDate": p["dob"],
                "passportNumber": p["doc"],
            },
            Provenance("reports", SEEN, run_id=run_id),
        )
        ids[entity_id] = p["i"]
    with store.begin() as conn:
        write_statements(store, conn, rows)
    return ids


def test_incremental_needs_a_model(store: Store) -> None:
    with pytest.raises(NoModelError):
        resolve_new(store, kind="person", import_run_id="nothing")


def test_new_records_join_their_entities(loaded) -> None:
    store, truth = loaded
    run_batch(store, kind="person", params=PARAMS)
    new = _import_reports(store, "imp-1")
    run = resolve_new(store, kind="person", import_run_id="imp-1")
    assert run["status"] == "completed", run["error"]
    assert run["counts"]["records"] == len(new)
    with store.read() as conn:
        canon = canonical_of(conn, [*new, *(truth[str(i)][0] for i in new.values())])
    joined = sum(1 for e, i in new.items() if canon[e] == canon[truth[str(i)][0]])
    assert joined >= 0.9 * len(new), f"only {joined}/{len(new)} new records joined"


def test_import_completed_on_the_bus_resolves_the_import(sqlite_store: Store) -> None:
    from tests.resolve.conftest import load_people

    truth = load_people(sqlite_store)
    run_batch(sqlite_store, kind="person", params=PARAMS)
    new = _import_reports(sqlite_store, "imp-2", n=5)
    runner = JobRunner(sqlite_store)
    runner.register(INCREMENTAL_JOB, incremental_job)
    submitted: list[str] = []

    def submit(kind: str, params: dict) -> str:
        submitted.append(runner.submit(kind, params, created_by="bus"))
        return submitted[-1]

    bus = Bus(sqlite_store)
    bus.subscribe("import.completed", on_import_completed(submit))
    bus.publish("import.completed", {"id": "imp-2", "entities": len(new)})
    job = runner.wait(submitted[0], timeout=300)
    runner.shutdown()
    assert job["status"] == "succeeded", job["error"]
    with sqlite_store.read() as conn:
        canon = canonical_of(conn, [*new, *(truth[str(i)][0] for i in new.values())])
    assert any(canon[e] == canon[truth[str(i)][0]] for e, i in new.items())


def test_indexed_lookups_follow_the_models_rules(loaded, monkeypatch) -> None:
    """Above LOAD_ALL_BELOW the candidates come from the saved model's rules through the
    feature indexes: the same people are found as when every record is a candidate."""
    import pasienis.resolve.incremental as inc
    from pasienis.resolve.comparisons import BLOCKING_KEY

    store, truth = loaded
    batch = run_batch(store, kind="person", params=PARAMS)
    assert batch["model"][BLOCKING_KEY], "the model keeps the rules it was run with"
    monkeypatch.setattr(inc, "LOAD_ALL_BELOW", 0)
    new = _import_reports(store, "imp-idx")
    run = resolve_new(store, kind="person", import_run_id="imp-idx")
    assert run["status"] == "completed", run["error"]
    with store.read() as conn:
        total = conn.execute(
            inc.select(inc.func.count()).where(inc.feat.c.kind == "person")
        ).scalar()
        canon = canonical_of(conn, [*new, *(truth[str(i)][0] for i in new.values())])
    assert 0 < run["counts"]["candidates"] < total  # looked up, not loaded whole
    joined = sum(1 for e, i in new.items() if canon[e] == canon[truth[str(i)][0]])
    assert joined >= 0.9 * len(new)
