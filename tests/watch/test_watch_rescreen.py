"""An alert raised on a name alone is screened again when a later import tells the birth date
of the record's document: withdrawn when the document's holder was born on another day,
reopened when a still later record gives the listed day, raised when the date makes the match;
an officer's acknowledged alert is left alone; nothing is done twice. And a retracted import's
alerts leave the inbox with it, also those raised when a later watchlist screened its records.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete
from tests.watch.test_screening import complete, put
from tests.watch.test_watch_borrow import LISTED_DOB, _alerts, _listed, _traveller

from pasienis.jobs import events_since
from pasienis.model.events import declarations
from pasienis.model.models import retracted_runs
from pasienis.search import index_entities
from pasienis.store import Store
from pasienis.watch import (
    AlertStateError,
    IndexCache,
    WatchNotFoundError,
    catch_up,
    get_alert,
    set_status,
    task_request,
)
from pasienis.watch.models import watch_alerts
from pasienis.watch.retro import screen_existing
from pasienis.watch.runs import screen_run
from pasienis.watch.service import active_entries

OTHER_DOB = "1978-04-04"


def _screen(store: Store) -> None:
    catch_up(store, IndexCache(name_threshold=0.88))


def _crossing(store: Store, record: str, dob: str | None, run: str, dataset: str = "border",
              name: str = "Darius Sabonis", passport: str = "50526517") -> None:  # fmt: skip
    """A later import run of one crossing (the passport's record), screened."""
    put(store, record, "Person", _traveller(name, passport, dob), dataset, run)
    complete(store, run, dataset)
    _screen(store)


def _name_only_alert(store: Store) -> dict:
    """Run r1: "Darius Sabonis" crosses with passport 50526517 and no birth date."""
    _listed(store)
    _crossing(store, "a1", None, "r1")
    alert = _alerts(store)["a1"]
    assert alert["status"] == "open"
    assert [m["field"] for m in alert["matched"]] == ["name"]
    return alert


def _pushed(store: Store) -> list[list[str]]:
    with store.read() as conn:
        return [
            e.payload["alert_ids"] for e in events_since(conn, cursor=0, topics=["watch.alert"])
        ]


def test_a_later_record_of_the_passport_born_on_another_day_withdraws_the_alert(
    store: Store,
) -> None:
    first = _name_only_alert(store)
    _crossing(store, "a2", OTHER_DOB, "r2")
    alert = _alerts(store)["a1"]
    assert alert["status"] == "withdrawn"
    assert alert["status_by"] == "re-screening"
    assert OTHER_DOB in alert["status_reason"]
    assert "a2" in alert["status_reason"]
    assert LISTED_DOB in alert["status_reason"]
    record = alert["evidence"]["record"]
    assert [s["record"] for s in record["borrowed_birth_dates"][OTHER_DOB]] == ["a2"]
    assert alert["evidence"]["entry"] == first["evidence"]["entry"]
    assert _pushed(store)[-1] == [first["id"]]  # the live inbox is told
    with store.begin() as conn, pytest.raises(AlertStateError):
        set_status(conn, alert_id=first["id"], status="acknowledged", reason="x", actor="ana",
                   datasets=None)  # fmt: skip
    with pytest.raises(AlertStateError):
        task_request({**alert, "lat": 54.6, "lon": 25.3})


def test_a_still_later_record_giving_the_listed_day_reopens_it(store: Store) -> None:
    first = _name_only_alert(store)
    _crossing(store, "a2", OTHER_DOB, "r2")
    _crossing(store, "a3", LISTED_DOB, "r3")
    alert = _alerts(store)["a1"]
    assert alert["id"] == first["id"]
    assert alert["status"] == "open"
    assert "again" in alert["status_reason"]
    dob = next(m for m in alert["matched"] if m["field"] == "birthDate")
    assert [s["record"] for s in dob["borrowed_from"]] == ["a3"]
    assert alert["score"] == 1.0


def test_a_later_record_giving_the_listed_day_completes_the_open_alerts_evidence(
    store: Store,
) -> None:
    first = _name_only_alert(store)
    _crossing(store, "a3", LISTED_DOB, "r3")
    alert = _alerts(store)["a1"]
    assert (alert["status"], alert["status_by"]) == ("open", None)
    assert [m["field"] for m in alert["matched"]] == ["name", "birthDate"]
    dob = next(m for m in alert["matched"] if m["field"] == "birthDate")
    assert [s["record"] for s in dob["borrowed_from"]] == ["a3"]
    assert first["id"] in _pushed(store)[-1]


def test_an_acknowledged_alert_is_the_officers_and_stays(store: Store) -> None:
    first = _name_only_alert(store)
    with store.begin() as conn:
        set_status(conn, alert_id=first["id"], status="acknowledged", reason="stopped him",
                   actor="ana", datasets=None)  # fmt: skip
    _crossing(store, "a2", OTHER_DOB, "r2")
    alert = _alerts(store)["a1"]
    assert (alert["status"], alert["status_by"]) == ("acknowledged", "ana")


def test_another_compartments_record_withdraws_nothing(store: Store) -> None:
    _name_only_alert(store)
    _crossing(store, "a2", OTHER_DOB, "r2", dataset="tax")
    assert _alerts(store)["a1"]["status"] == "open"


def test_the_listed_birth_date_raises_the_alert_a_near_name_missed(store: Store) -> None:
    """ "Saulius Buktus" scores 0.875 against the listed "Saulius Butkus", under the 0.88
    threshold; his passport's later record gives the listed birth date: now a match."""
    _listed(store)
    _crossing(store, "b1", None, "r1", name="Saulius Buktus", passport="92767094")
    assert "b1" not in _alerts(store)
    _crossing(store, "b2", LISTED_DOB, "r2", name="Saulius Buktus", passport="92767094")
    alerts = _alerts(store)
    assert {"b1", "b2"} <= set(alerts)
    assert [s["record"] for s in alerts["b1"]["evidence"]["record"]["borrowed_birth_dates"][
        LISTED_DOB]] == ["b2"]  # fmt: skip


def test_screening_the_run_again_changes_nothing(store: Store) -> None:
    """A crash after the withdrawal and before the cursor moved re-screens the run: no second
    withdrawal, no event."""
    _name_only_alert(store)
    _crossing(store, "a2", OTHER_DOB, "r2")
    before, pushed = _alerts(store), _pushed(store)
    assert screen_run(store, IndexCache(name_threshold=0.88), run_id="r2") == 0
    assert _alerts(store) == before
    assert _pushed(store) == pushed


def test_a_retracted_import_takes_its_alerts_out_of_the_inbox_and_restoring_brings_them_back(
    store: Store,
) -> None:
    """A test import's alerts must not stay in the inbox when the import is retracted."""
    first = _name_only_alert(store)
    with store.begin() as conn:
        conn.execute(retracted_runs.insert().values(run_id="r1", dataset="border",
                                                    retracted_at=datetime.now(UTC)))  # fmt: skip
    assert _alerts(store) == {}
    with store.read() as conn, pytest.raises(WatchNotFoundError):
        get_alert(conn, alert_id=first["id"], datasets=None)
    with store.begin() as conn:
        conn.execute(delete(retracted_runs).where(retracted_runs.c.run_id == "r1"))
    assert list(_alerts(store)) == ["a1"]


def _retract(store: Store, run: str) -> None:
    with store.begin() as conn:
        conn.execute(retracted_runs.insert().values(run_id=run, dataset="border",
                                                    retracted_at=datetime.now(UTC)))  # fmt: skip


def _restore(store: Store, run: str) -> None:
    with store.begin() as conn:
        conn.execute(delete(retracted_runs).where(retracted_runs.c.run_id == run))


def _listed_later(store: Store) -> int:
    """The watchlist comes after the records: they are screened where they lie (retro)."""
    _listed(store)
    with store.read() as conn:
        entries = active_entries(conn)
    return screen_existing(store, entries, name_threshold=0.88)


def _indexed_crossing(store: Store, record: str, run: str) -> None:
    put(store, record, "Person", _traveller("Darius Sabonis", "50526517", LISTED_DOB),
        "border", run)  # fmt: skip
    with store.begin() as conn:
        index_entities(store, conn, [record])


def test_an_alert_on_a_record_stored_before_its_watchlist_leaves_with_the_records_run(
    store: Store,
) -> None:
    """Retro-screening raises alerts of no run; they are seen while their record is: a
    retracted test import takes them out of the inbox and the profile, restoring brings
    them back, and an entity another live run also states keeps its alert."""
    _indexed_crossing(store, "a1", "r1")
    _indexed_crossing(store, "a2", "r2")
    # r3 says something new of a2 (a statement r2 did not make: what both say stays r2's).
    put(store, "a2", "Person", {"nationality": "LV"}, "border", "r3")
    assert _listed_later(store) == 2
    alerts = _alerts(store)
    assert sorted(alerts) == ["a1", "a2"]
    assert {a["run_id"] for a in alerts.values()} == {None}
    _retract(store, "r1")
    _retract(store, "r2")
    assert list(_alerts(store)) == ["a2"]  # r3 still states a2
    with store.read() as conn, pytest.raises(WatchNotFoundError):
        get_alert(conn, alert_id=alerts["a1"]["id"], datasets=None)
    _restore(store, "r1")
    assert sorted(_alerts(store)) == ["a1", "a2"]


def test_retro_screening_skips_a_retracted_imports_records(store: Store) -> None:
    _indexed_crossing(store, "a1", "r1")
    _retract(store, "r1")
    assert _listed_later(store) == 0
    _restore(store, "r1")
    with store.begin() as conn:
        conn.execute(delete(watch_alerts))
    with store.read() as conn:
        entries = active_entries(conn)
    assert screen_existing(store, entries, name_threshold=0.88) == 1


def test_a_risk_alert_leaves_with_its_declarations_run(store: Store) -> None:
    """Risk scoring raises alerts of no run on declarations: seen while the declaration is."""
    stamp = datetime.now(UTC)
    with store.begin() as conn:
        conn.execute(
            declarations.insert().values(
                id="d1", occurred_at=stamp, dataset="border", reference="LRN1", run_id="r9"
            )
        )
        conn.execute(watch_alerts.insert().values(
            id="risk-d1", entry_id="risk:d1", list_id="risk", entry_dataset="border",
            kind="risk", record_kind="declaration", record_id="d1", record_dataset="border",
            run_id=None, score=0.97, matched=[], evidence={}, priority=1, status="open",
            created_at=stamp))  # fmt: skip
    assert list(_alerts(store)) == ["d1"]
    _retract(store, "r9")
    assert _alerts(store) == {}
    _restore(store, "r9")
    assert list(_alerts(store)) == ["d1"]
