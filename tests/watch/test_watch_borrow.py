"""A record without a birth date is screened with the birth dates its document's other
records give (issue 13, seed 2026's false alerts): exact namesakes born on other days stop
alerting, a listed person whose document gives the listed birth date alerts and the alert
says which record gave it, and a listed person on a new passport still alerts.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.watch.test_screening import complete, put

from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.model.models import retracted_runs, statements
from pasienis.store import Store
from pasienis.watch import EntryCreate, IndexCache, add_entry, catch_up, create_list, list_alerts
from pasienis.watch.borrow import Holder, borrow, borrow_birth_dates, lent_by
from pasienis.watch.rule import Subject
from pasienis.watch.screening import FACTS, subjects_of_facts

T0 = datetime(2026, 9, 1, tzinfo=UTC)
LISTED_DOB = "1973-06-01"


def _listed(store: Store) -> None:
    with store.begin() as conn:
        create_list(conn, name="manual", dataset="intel", owner="ana")
        for name in ("Darius Sabonis", "Saulius Butkus"):
            add_entry(conn, list_ref="manual", owner="ana", body=EntryCreate(
                kind="person", name=name, birth_date=LISTED_DOB, reason="smuggling"))  # fmt: skip


def _traveller(name: str, passport: str, dob: str | None = None) -> dict:
    props = {"name": name, "passportNumber": passport, "nationality": "LT"}
    return {**props, "birthDate": dob} if dob else props


def _alerts(store: Store) -> dict[str, dict]:
    with store.read() as conn:
        return {a["record_id"]: a for a in list_alerts(conn, datasets=None)}


def test_a_namesake_whose_passport_says_another_birth_date_is_no_alert(store: Store) -> None:
    """Seed 2026's case: "Darius Sabonis" crossing with no birth date; his passport's other
    crossings give 1978-04-04, the listed one was born 1973-06-01."""
    _listed(store)
    put(store, "x1", "Person", _traveller("Darius Sabonis", "50526517"), "border", "r1")
    put(store, "x2", "Person", _traveller("Darius Sabonis", "50526517", "1978-04-04"), "border",
        "r0")  # fmt: skip
    complete(store, "r1", "border")
    catch_up(store, IndexCache(name_threshold=0.88))
    assert _alerts(store) == {}


def test_a_birth_date_borrowed_from_the_passport_alerts_and_names_its_record(
    store: Store,
) -> None:
    _listed(store)
    put(store, "y1", "Person", _traveller("Saulius Butkus", "92767094"), "border", "r1")
    put(store, "y2", "Person", _traveller("Butkus Saulius", "92767094", LISTED_DOB), "border",
        "r0")  # fmt: skip
    complete(store, "r1", "border")
    catch_up(store, IndexCache(name_threshold=0.88))
    alert = _alerts(store)["y1"]
    dob = next(m for m in alert["matched"] if m["field"] == "birthDate")
    assert dob["value"] == LISTED_DOB
    assert [(s["record"], s["document"]) for s in dob["borrowed_from"]] == [
        ("y2", {"field": "passportNumber", "value": "92767094"})
    ]
    record = alert["evidence"]["record"]
    assert record["birth_dates"] == []  # the record's own: none
    assert [s["record"] for s in record["borrowed_birth_dates"][LISTED_DOB]] == ["y2"]
    assert alert["score"] == 1.0  # the name, plus the equal birth date


def test_a_listed_person_on_a_new_passport_still_alerts(store: Store) -> None:
    """The new passport has no other record, or its other records give the listed date; the
    old passport's records (another number) lend nothing."""
    _listed(store)
    put(store, "z0", "Person", _traveller("Darius Sabonis", "OLD111", "1978-04-04"), "border",
        "r0")  # fmt: skip
    put(store, "z1", "Person", _traveller("Darius Sabonis", "NEW222"), "border", "r1")
    put(store, "z2", "Person", _traveller("Saulius Butkus", "NEW333"), "border", "r1")
    put(store, "z3", "Person", _traveller("Saulius Butkus", "NEW333", LISTED_DOB), "border", "r1")
    complete(store, "r1", "border")
    catch_up(store, IndexCache(name_threshold=0.88))
    alerts = _alerts(store)
    assert sorted(alerts) == ["z1", "z2", "z3"]
    assert [m["field"] for m in alerts["z1"]["matched"]] == ["name"]  # on the name alone
    assert alerts["z1"]["evidence"]["record"]["borrowed_birth_dates"] == {}


def test_only_the_same_compartment_and_live_records_lend(store: Store) -> None:
    """A record of another dataset, or of a retracted run, lends no birth date: the namesake
    alerts on the name alone, as before."""
    _listed(store)
    put(store, "w1", "Person", _traveller("Darius Sabonis", "50526517"), "border", "r1")
    put(store, "w2", "Person", _traveller("Darius Sabonis", "50526517", "1978-04-04"), "tax",
        "r0")  # fmt: skip
    put(store, "w3", "Person", _traveller("Darius Sabonis", "50526517", "1978-04-04"), "border",
        "r-gone")  # fmt: skip
    with store.begin() as conn:
        conn.execute(retracted_runs.insert().values(run_id="r-gone", dataset="border",
                                                    retracted_at=T0))  # fmt: skip
    complete(store, "r1", "border")
    catch_up(store, IndexCache(name_threshold=0.88))
    assert sorted(_alerts(store)) == ["w1"]


def _subject(names: list[str], docs: list[tuple[str, str]], **kw: object) -> Subject:
    return Subject("entity", "r", "border", "Person", names=names, documents=docs, **kw)  # type: ignore[arg-type]


def _holder(name: str, doc: tuple[str, str], dob: str, **kw: object) -> Holder:
    fields = {"record_id": "h", "dataset": "border", "documents": frozenset({doc}),
              "names": (name,), "birth_dates": frozenset({dob}), "nationalities": frozenset(),
              **kw}  # fmt: skip
    return Holder(**fields)  # type: ignore[arg-type]


def test_who_lends() -> None:
    doc = ("passportNumber", "MP2989305")
    subject = _subject(["Nikolai Kravcehnko"], [doc], nationalities={"by"})
    typo = _holder("Nikolai Kravchenko", doc, "1971-12-07")  # the officer's typo: same holder

    def lent(*holders: Holder) -> list[str]:
        return sorted(lent_by(subject, holders, threshold=0.88))

    assert lent(typo) == ["1971-12-07"]
    assert lent_by(subject, [typo], threshold=0.88)["1971-12-07"][0]["record"] == "h"
    other = ("idNumber", "MP2989305")  # the same number in another property: another document
    assert lent(_holder("Nikolai Kravchenko", other, "1971-12-07")) == []
    assert (
        lent(_holder("Nikolai Kravchenko", doc, "1971-12-07", nationalities=frozenset({"ru"})))
        == []
    )
    assert lent(_holder("Nikolai Kravchenko", doc, "1971-12-07", dataset="tax")) == []
    assert lent(_holder("Nikolai Kravchenko", doc, "1971-12-07", record_id="r")) == []
    # A number that names someone else too identifies no one: it lends nothing at all.
    olga = _holder("Olga Kravchenko", doc, "1977-07-18", record_id="h2")
    assert lent(olga) == []
    assert lent(typo, olga) == []
    # A record with a birth date of its own keeps it and borrows nothing.
    own = _subject(["Nikolai Kravchenko"], [doc], birth_dates={"1991-01-21"})
    borrow(own, [typo], threshold=0.88)
    assert own.birth_dates == {"1991-01-21"}
    assert own.borrowed_birth_dates == {}
    # Records that disagree lend every date they give (either one may be the listed one).
    two = _subject(["Nikolai Kravchenko"], [doc])
    borrow(two, [typo, _holder("Nikolai Kravchenko", doc, "1970-01-01", record_id="h2")],
           threshold=0.88)  # fmt: skip
    assert two.birth_dates == {"1971-12-07", "1970-01-01"}
    assert set(two.borrowed_birth_dates) == two.birth_dates


NAMES = ("Darius Sabonis", "Sabonis Darius", "Darius Sabonys", "Saulius Butkus", "Dаrius Sаbоnis")
DOCS = ("50526517", "92767094", "MP1")
DOBS = (None, "1973-06-01", "1978-04-04")


@st.composite
def stored(draw: st.DrawFn) -> list[dict]:
    n = draw(st.integers(1, 7))
    return [
        {"id": f"p{i}", "dataset": draw(st.sampled_from(("border", "border", "tax"))),
         "name": draw(st.sampled_from(NAMES)),
         "prop": draw(st.sampled_from(("passportNumber", "passportNumber", "idNumber"))),
         "doc": draw(st.sampled_from(DOCS)), "dob": draw(st.sampled_from(DOBS)),
         "nationality": draw(st.sampled_from((None, "LT", "LT", "LV")))}
        for i in range(n)
    ]  # fmt: skip


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=stored(), threshold=st.sampled_from((0.82, 0.88, 0.95)))
def test_the_store_lookup_lends_what_the_rule_lends_over_every_record(
    store: Store, records: list[dict], threshold: float
) -> None:
    """:func:`borrow_birth_dates` (records found by the document index) gives each subject
    exactly what :func:`borrow` gives it over every stored record."""
    with store.begin() as conn:
        conn.execute(statements.delete())
        for r in records:
            props = {"name": r["name"], r["prop"]: r["doc"]}
            props |= {"birthDate": r["dob"]} if r["dob"] else {}
            props |= {"nationality": r["nationality"]} if r["nationality"] else {}
            prov = Provenance(r["dataset"], T0, run_id="run", locator=r["id"])
            write_statements(store, conn, entity_statements(r["id"], "Person", props, prov))
    with store.read() as conn:
        rows = list(conn.execute(select(*FACTS).order_by(statements.c.entity_id,
                                                         statements.c.dataset)))  # fmt: skip
        fast = list(subjects_of_facts(rows, run_id=None))
        borrow_birth_dates(conn, fast, threshold=threshold)
    slow = list(subjects_of_facts(rows, run_id=None))
    every = [
        Holder(s.record_id, s.dataset, frozenset(s.documents), tuple(sorted(s.names)),
               frozenset(s.birth_dates), frozenset(s.nationalities))
        for s in subjects_of_facts(rows, run_id=None)
    ]  # fmt: skip
    for subject in slow:
        borrow(subject, every, threshold=threshold)
    assert [(s.birth_dates, s.borrowed_birth_dates) for s in fast] == [
        (s.birth_dates, s.borrowed_birth_dates) for s in slow
    ]
