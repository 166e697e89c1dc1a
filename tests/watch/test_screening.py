"""Screening on both engines: imported and hand-made lists, imports, plate reads, alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from pasienis.jobs import events_since, publish_in
from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.store import Store
from pasienis.watch import (
    AlertStateError,
    EntryCreate,
    IndexCache,
    PlateReadIn,
    add_entry,
    add_source,
    authenticate_source,
    catch_up,
    create_list,
    list_alerts,
    record_reads,
    remove_entry,
    set_status,
    task_request,
)
from pasienis.watch.errors import SourceAuthError
from pasienis.watch.models import watch_alerts

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def put(store: Store, entity_id: str, schema: str, props: dict, dataset: str, run: str) -> None:
    prov = Provenance(dataset, T0, run_id=run, locator=f"{dataset}:{entity_id}")
    with store.begin() as conn:
        write_statements(store, conn, entity_statements(entity_id, schema, props, prov))


def complete(store: Store, run: str, dataset: str) -> None:
    with store.begin() as conn:
        publish_in(conn, topic="import.completed", payload={"id": run, "dataset": dataset})


@pytest.fixture
def cache() -> IndexCache:
    return IndexCache(name_threshold=0.88)


def test_an_imported_watchlist_screens_the_next_import(store: Store, cache: IndexCache) -> None:
    put(store, "w1", "Person", {"name": "Александр Иванов", "birthDate": "1980-02-03",
        "notes": "excise fraud"}, "wl", "run-wl")  # fmt: skip
    put(store, "w2", "Vehicle", {"registrationNumber": "KDL482", "notes": "stolen"}, "wl", "run-wl")
    complete(store, "run-wl", "wl")
    put(store, "x1", "Person", {"name": "Aleksandras Ivanovas", "birthDate": "1980-02-03"},
        "border", "run-b")  # fmt: skip
    put(store, "x2", "Person", {"name": "Aleksandras Ivanovas", "birthDate": "1971-05-05"},
        "border", "run-b")  # fmt: skip
    put(store, "x3", "Vehicle", {"registrationNumber": "KDL 4B2"}, "border", "run-b")
    put(store, "x4", "Person", {"name": "Jonas Jonaitis"}, "border", "run-b")
    complete(store, "run-b", "border")
    assert catch_up(store, cache, list_datasets=["wl"]) == 2
    with store.read() as conn:
        alerts = list_alerts(conn, datasets=None)
    assert sorted(a["record_id"] for a in alerts) == ["x1", "x3"]
    person = next(a for a in alerts if a["record_id"] == "x1")
    assert person["matched"][0]["field"] == "name"
    assert person["evidence"]["entry"]["reason"] == "excise fraud"
    assert person["entry_dataset"] == "wl"
    assert person["record_dataset"] == "border"
    # Screening again (a crash before the cursor moved) raises nothing twice.
    assert catch_up(store, cache, list_datasets=["wl"]) == 0
    complete(store, "run-b", "border")
    catch_up(store, cache, list_datasets=["wl"])
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(watch_alerts)).scalar() == 2


def test_entries_made_by_hand_with_validity(store: Store, cache: IndexCache) -> None:
    with store.begin() as conn:
        create_list(conn, name="manual", dataset="intel", owner="ana")
        phone = add_entry(conn, list_ref="manual", owner="ana", body=EntryCreate(
            kind="phone", identifiers=[{"type": "phone", "value": "8 612 34567"}],
            reason="burner phone"))  # fmt: skip
        add_entry(conn, list_ref="manual", owner="ana", body=EntryCreate(
            kind="person", name="Tomas Žukauskas", reason="old case",
            valid_to=date(2020, 1, 1)))  # fmt: skip
    put(
        store,
        "x1",
        "Person",
        {"name": "Tomas Zukauskas", "phone": "+370 612 34567"},
        "border",
        "r1",
    )
    complete(store, "r1", "border")
    catch_up(store, cache)
    with store.read() as conn:
        alerts = list_alerts(conn, datasets=None)
    assert [(a["entry_id"], a["matched"][0]["field"]) for a in alerts] == [(phone["id"], "phone")]
    with store.begin() as conn:
        remove_entry(conn, entry_id=phone["id"])
    put(store, "x2", "Person", {"name": "Other", "phone": "+37061234567"}, "border", "r2")
    complete(store, "r2", "border")
    catch_up(store, cache)
    with store.read() as conn:
        assert len(list_alerts(conn, datasets=None)) == 1


def test_live_reads_are_stored_and_screened_together(store: Store, cache: IndexCache) -> None:
    with store.begin() as conn:
        create_list(conn, name="vehicles", dataset="intel", owner="ana")
        add_entry(conn, list_ref="vehicles", owner="ana", body=EntryCreate(
            kind="vehicle", identifiers=[{"type": "plate", "value": "KDL 482"}],
            reason="smuggling", priority=1))  # fmt: skip
        secret = add_source(conn, source_id="cam-a1", name="A1 gantry", dataset="anpr")
        source = authenticate_source(conn, source_id="cam-a1", secret=secret)
        with pytest.raises(SourceAuthError):
            authenticate_source(conn, source_id="cam-a1", secret="wrong")
    plates = ["KDL4B2", "ABC123", "KDL48"]
    reads = [
        PlateReadIn(plate=p, camera_id="A1-01", occurred_at=T0, lat=54.6, lon=25.2, read_id=f"r{i}")
        for i, p in enumerate(plates)
    ]
    out = record_reads(store, cache, source=source, reads=reads)
    assert [bool(r["alerts"]) for r in out] == [True, False, True]
    again = record_reads(store, cache, source=source, reads=reads[:1])
    assert again[0]["read_id"] == out[0]["read_id"]
    with store.read() as conn:
        alerts = list_alerts(conn, datasets=frozenset({"anpr", "intel"}))
        assert list_alerts(conn, datasets=frozenset({"anpr"})) == []
        events = events_since(conn, topics=["watch.alert"])
    assert len(alerts) == 2
    assert sum(len(e.payload["alert_ids"]) for e in events) == 2
    request = task_request(alerts[0])
    assert request["category"] == "watchlist"
    assert request["lat"] == 54.6
    with store.begin() as conn:
        done = set_status(conn, alert_id=alerts[0]["id"], status="dismissed", reason="ours",
                          actor="ana", datasets=None)  # fmt: skip
        assert done["status"] == "dismissed"
        assert done["status_reason"] == "ours"
        with pytest.raises(AlertStateError):
            set_status(conn, alert_id=alerts[0]["id"], status="acknowledged", reason="x",
                       actor="ana", datasets=None)  # fmt: skip
