"""Issue 11 #18: retention periods, the review queue, erasure — on both engines.

Data past its period is listed for review, erased by ``apply`` (statements, events, positions,
quarantine, and a derived table through a registered follower), is gone from exports, and
the audit chain still verifies; the erasure's audit entry holds no personal data.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, Connection, MetaData, String, Table, delete, insert, select

from pasienis.api.wiring import retention_erasers
from pasienis.config import Settings
from pasienis.ingest import export_entities
from pasienis.ingest.models import quarantine
from pasienis.model.events import declarations, goods_items, plate_reads
from pasienis.model.ids import make_id
from pasienis.model.models import resolver, statements
from pasienis.model.service import write_statements
from pasienis.model.statements import Provenance, entity_statements
from pasienis.ops import service as ops_service
from pasienis.ops.models import positions
from pasienis.security import retention, verify_chain
from pasienis.security.audit import search_audit
from pasienis.security.compartments import register_dataset
from pasienis.security.errors import RetentionError, UnknownRetentionScopeError
from pasienis.store import Store

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=400)
RECENT = NOW - timedelta(days=10)
GONE = make_id("border", "P-OLD")  # all its statements are old: expires
KEPT = make_id("border", "P-MIXED")  # one statement confirmed recently: kept whole
OTHER = make_id("register", "P-OLD")  # old too, but its dataset has no period yet

# A derived table standing in for the search index another capability will build.
derived_md = MetaData()
search_docs = Table("test_search_docs", derived_md, Column("entity_id", String(128)))


def _person(dataset: str, key: str, name: str, seen: datetime) -> list[tuple]:
    prov = Provenance(dataset, seen, locator=f"{dataset}:{key}")
    return entity_statements(make_id(dataset, key), "Person", {"name": [name]}, prov)


def _event_row(table: Table, key: str, when: datetime, dataset: str, **values: object) -> dict:
    return {"id": make_id(dataset, key), "occurred_at": when, "dataset": dataset, **values}


def fill(store: Store) -> None:
    with store.begin() as conn:
        for name in ("border", "register"):
            register_dataset(conn, name=name)
        rows = _person("border", "P-OLD", "Jonas Senas", OLD)
        rows += _person("border", "P-MIXED", "Ona Mišri", OLD)
        rows += entity_statements(
            KEPT, "Person", {"birthDate": "1980-01-01"}, Provenance("border", RECENT)
        )
        rows += _person("register", "P-OLD", "Petras Registras", OLD)
        write_statements(store, conn, rows)
        conn.execute(insert(resolver).values(entity_id=GONE, canonical_id=GONE, updated_at=NOW))
        _events(conn)
        conn.execute(
            insert(quarantine).values(
                id="q1", run_id="r1", dataset="border", source_name="f.csv", locator="f.csv:2",
                field="name", value="Jonas Senas", reason="bad", record={"name": "Jonas Senas"},
                status="open", first_seen=OLD, last_seen=OLD,
            )
        )  # fmt: skip
        ops_service.add_unit(conn, call_sign="ALFA-1")
        unit = ops_service.get_unit(conn, ref="ALFA-1")
        for n, received in enumerate((OLD, RECENT)):
            conn.execute(
                insert(positions).values(
                    unit_id=unit["id"], device_id="d1", fixed_at=received, received_at=received,
                    lat=54.6, lon=25.2 + n, source="json", flags="",
                )
            )  # fmt: skip


def _events(conn: Connection) -> None:
    reads = [
        _event_row(plate_reads, "R-OLD", OLD, "register", camera_id="C1", plate="ABC1"),
        _event_row(plate_reads, "R-60", NOW - timedelta(days=60), "register", camera_id="C1",
                   plate="ABC2"),
        _event_row(plate_reads, "R-NEW", RECENT, "register", camera_id="C1", plate="ABC3"),
    ]  # fmt: skip
    conn.execute(insert(plate_reads), reads)
    decl = _event_row(declarations, "D-OLD", OLD, "border", reference="LRN1")
    conn.execute(insert(declarations).values(**decl))
    item = _event_row(goods_items, "G-OLD", OLD, "border", declaration_id=decl["id"], item_no=1)
    conn.execute(insert(goods_items).values(**item))


def _ids(conn: Connection, table: Table) -> set[str]:
    return set(conn.execute(select(table.c.id)).scalars())


@pytest.fixture
def erasers(store: Store, base_settings: Settings) -> retention.Erasers:
    """The deployment's erasers plus a follower keeping a derived table in step."""
    derived_md.create_all(store.engine if store.pinned is None else store.pinned)
    found = retention_erasers(base_settings)

    def drop_docs(conn: Connection, erased: retention.Erased) -> None:
        if erased.table == "statements":
            conn.execute(delete(search_docs).where(search_docs.c.entity_id.in_(erased.ids)))

    found.add_follower("test-search", drop_docs)
    yield found
    if store.pinned is None:
        derived_md.drop_all(store.engine)


def test_expired_data_is_reviewed_erased_and_the_chain_still_verifies(
    store: Store, erasers: retention.Erasers
) -> None:
    fill(store)
    with store.begin() as conn:
        conn.execute(insert(search_docs), [{"entity_id": e} for e in (GONE, KEPT, OTHER)])
        retention.set_policy(conn, scope_kind="dataset", scope="border", period_days=180,
                             review_every_days=365, basis="LED Art. 5", actor="dpo",
                             erasers=erasers)  # fmt: skip
        retention.set_policy(conn, scope_kind="table", scope="plate_reads", period_days=30,
                             review_every_days=365, basis=None, actor="dpo",
                             erasers=erasers)  # fmt: skip

    with store.read() as conn:
        queue = {(s.scope_kind, s.scope): s for s in retention.review_queue(conn, erasers)}
        of_gone = len(conn.execute(select(statements).where(statements.c.entity_id == GONE)).all())
    border = queue[("dataset", "border")]
    assert border.reasons == ["data past its period"]
    assert border.expired == {"entities": 1, "statements": of_gone, "declarations": 1,
                              "goods_items": 1, "quarantine": 1}  # fmt: skip
    assert queue[("table", "plate_reads")].expired == {"plate_reads": 2}
    assert queue[("table", "ops_positions")].expired == {"ops_positions": 1}  # the 90-day default
    assert queue[("dataset", "register")].reasons == ["no retention period"]

    dry = retention.apply(store, erasers, actor="dpo", dry_run=True)
    assert {d["scope"] for d in dry} == {"border", "plate_reads", "ops_positions"}
    with store.read() as conn:
        assert GONE in set(conn.execute(select(statements.c.entity_id)).scalars())

    report = retention.apply(store, erasers, actor="dpo")
    erased = {r["scope"]: r["erased"] for r in report}
    assert erased["border"]["statements"] == of_gone
    assert erased["plate_reads"] == {"plate_reads": 2}
    with store.read() as conn:
        left = set(conn.execute(select(statements.c.entity_id)).scalars())
        assert GONE not in left
        assert {KEPT, OTHER} <= left  # the mixed entity is kept whole; no period, no erasure
        assert _ids(conn, plate_reads) == {make_id("register", "R-NEW")}
        assert _ids(conn, declarations) == _ids(conn, goods_items) == set()
        assert conn.execute(select(quarantine.c.id)).first() is None
        assert len(conn.execute(select(positions.c.id)).all()) == 1
        assert conn.execute(select(resolver).where(resolver.c.entity_id == GONE)).first() is None
        docs = set(conn.execute(select(search_docs.c.entity_id)).scalars())
        assert docs == {KEPT, OTHER}
        exported = io.StringIO()
        export_entities(conn, exported)
        assert "Jonas Senas" not in exported.getvalue()
        assert "Ona Mišri" in exported.getvalue()
        queue_after = retention.review_queue(conn, erasers)
        logged = search_audit(conn, action="retention.erase", limit=10)
    assert ("dataset", "border") not in {(s.scope_kind, s.scope) for s in queue_after}
    assert verify_chain(store).ok

    assert len(logged) == 3
    for entry in logged:  # scope, cutoff and counts: nothing of the erased data
        assert entry["entity_ids"] == []
        text = json.dumps(entry, default=str)
        assert GONE not in text
        assert "Jonas" not in text
    assert retention.apply(store, erasers, actor="dpo") == []  # idempotent


def test_a_hold_keeps_expired_data_until_its_date(store: Store, erasers: retention.Erasers) -> None:
    fill(store)
    with store.begin() as conn:
        retention.set_policy(conn, scope_kind="dataset", scope="border", period_days=180,
                             review_every_days=30, basis=None, actor="dpo",
                             erasers=erasers)  # fmt: skip
        held = retention.review(conn, scope_kind="dataset", scope="border", actor="dpo",
                                hold_until=NOW + timedelta(days=30),
                                note="case 12 open")  # fmt: skip
        assert held["last_reviewed_by"] == "dpo"
    report = {r["scope"]: r for r in retention.apply(store, erasers, actor="dpo")}
    assert "held_until" in report["border"]
    with store.read() as conn:
        assert GONE in set(conn.execute(select(statements.c.entity_id)).scalars())
        status = {s.scope: s for s in retention.status(conn, erasers)}
    assert status["border"].reasons == ["on hold"]


def test_a_review_falls_due(store: Store, erasers: retention.Erasers) -> None:
    fill(store)
    with store.begin() as conn:
        retention.set_policy(conn, scope_kind="table", scope="plate_reads", period_days=3650,
                             review_every_days=7, basis=None, actor="dpo",
                             erasers=erasers)  # fmt: skip
        later = NOW + timedelta(days=8)
        due = {s.scope: s for s in retention.review_queue(conn, erasers, now=later)}
    assert due["plate_reads"].reasons == ["review due"]


def test_bad_policies_are_refused(store: Store, erasers: retention.Erasers) -> None:
    fill(store)
    common = {"review_every_days": 30, "basis": None, "actor": "dpo", "erasers": erasers}
    with store.begin() as conn:
        with pytest.raises(UnknownRetentionScopeError):
            retention.set_policy(conn, scope_kind="table", scope="users", period_days=5, **common)
        with pytest.raises(UnknownRetentionScopeError):
            retention.set_policy(conn, scope_kind="dataset", scope="nope", period_days=5, **common)
        with pytest.raises(RetentionError):
            retention.set_policy(conn, scope_kind="dataset", scope="border", period_days=0,
                                 **common)  # fmt: skip


def test_the_registry_is_explicit(base_settings: Settings) -> None:
    """Two set-ups build two registries; a name registered twice is an error."""
    first, second = retention_erasers(base_settings), retention_erasers(base_settings)
    assert first is not second
    assert set(first.tables) == {"ops_positions", "ops_geofence_events"}
    first.add_follower("x", lambda conn, erased: None)
    assert "x" not in second.followers
    with pytest.raises(RetentionError):
        first.add_follower("x", lambda conn, erased: None)


def test_administrators_run_retention_over_the_api(store: Store, base_settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from pasienis.api import create_app
    from pasienis.security import Role
    from pasienis.security.provision import provision

    fill(store)
    with store.begin() as conn:
        admin = provision(conn, name="dpo", roles=[Role.administrator])
        analyst = provision(conn, name="ana", roles=[Role.analyst], datasets=["*"])
    with TestClient(create_app(base_settings, store=store)) as client:
        as_admin = {"Authorization": f"Bearer {admin}"}
        as_analyst = {"Authorization": f"Bearer {analyst}"}
        assert client.get("/api/retention/reviews", headers=as_analyst).status_code == 403
        policy = {"period_days": 180, "basis": "LED Art. 5"}
        put = client.put("/api/retention/policies/dataset/border", json=policy, headers=as_admin)
        assert put.status_code == 200, put.text
        assert put.json()["review_every_days"] == base_settings.retention_review_days
        bad = client.put("/api/retention/policies/table/users", json=policy, headers=as_admin)
        assert bad.status_code == 404
        queue = client.get("/api/retention/reviews", headers=as_admin).json()
        assert {"scope_kind": "dataset", "scope": "border"}.items() <= next(
            q for q in queue if q["scope"] == "border"
        ).items()
        dry = client.post("/api/retention/apply", headers=as_admin).json()
        assert any("would_erase" in d for d in dry)
        done = client.post("/api/retention/apply?dry_run=false", headers=as_admin)
        assert done.status_code == 200, done.text
        assert any(d["scope"] == "border" and d["erased"] for d in done.json())
    with store.read() as conn:
        assert GONE not in set(conn.execute(select(statements.c.entity_id)).scalars())
    assert verify_chain(store).ok


def test_the_cli_shows_status_and_applies(sqlite_store: Store, cli) -> None:  # type: ignore[no-untyped-def]
    fill(sqlite_store)
    queue = [json.loads(line) for line in cli("retention", "reviews", "--json").splitlines()]
    assert "no retention period" in next(q for q in queue if q["scope"] == "border")["reasons"]
    cli("retention", "set", "dataset", "border", "--days", "180", "--basis", "LED Art. 5")
    status = [json.loads(line) for line in cli("retention", "status", "--json").splitlines()]
    border = next(s for s in status if s["scope"] == "border")
    assert border["expired"]["entities"] == 1
    assert "would erase" in cli("retention", "apply", "--dry-run")
    with sqlite_store.read() as conn:
        assert GONE in set(conn.execute(select(statements.c.entity_id)).scalars())
    applied = cli("retention", "apply")
    assert "dataset border: erased" in applied
    with sqlite_store.read() as conn:
        assert GONE not in set(conn.execute(select(statements.c.entity_id)).scalars())
    cli("retention", "set", "table", "nope", "--days", "5", ok=False)
    assert verify_chain(sqlite_store).ok


def test_erasure_walks_every_batch(
    store: Store, erasers: retention.Erasers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of two: seven old people and five old reads all go, the recent ones stay."""
    from pasienis.security.retention import erase

    monkeypatch.setattr(erase, "BATCH", 2)
    fill(store)
    with store.begin() as conn:
        rows = [r for n in range(7) for r in _person("border", f"B{n}", f"Old {n}", OLD)]
        write_statements(store, conn, rows)
        conn.execute(
            insert(plate_reads),
            [_event_row(plate_reads, f"X{n}", OLD, "register", camera_id="C", plate=f"P{n}")
             for n in range(5)],
        )  # fmt: skip
        for kind, scope in (("dataset", "border"), ("table", "plate_reads")):
            retention.set_policy(conn, scope_kind=kind, scope=scope, period_days=30,
                                 review_every_days=30, basis=None, actor="dpo",
                                 erasers=erasers)  # fmt: skip
    report = {r["scope"]: r["erased"] for r in retention.apply(store, erasers, actor="dpo")}
    assert report["border"]["entities"] == 8  # the seven and P-OLD; P-MIXED stays
    assert report["plate_reads"]["plate_reads"] == 7  # five, R-OLD and R-60
    with store.read() as conn:
        left = set(conn.execute(select(statements.c.entity_id)).scalars())
        assert left == {KEPT, OTHER}
        assert _ids(conn, plate_reads) == {make_id("register", "R-NEW")}


def test_erased_statements_leave_the_real_search_index(
    store: Store, base_settings: Settings
) -> None:
    """The deployment's own follower (api/wiring.py) keeps the search index in step."""
    from pasienis.search import SearchQuery, index_entities, search

    fill(store)
    erasers = retention_erasers(base_settings, store)
    with store.begin() as conn:
        index_entities(store, conn, [GONE, KEPT, OTHER])
        retention.set_policy(conn, scope_kind="dataset", scope="border", period_days=180,
                             review_every_days=365, basis=None, actor="dpo",
                             erasers=erasers)  # fmt: skip
    every = ("border", "register")
    with store.read() as conn:
        before = search(store, conn, SearchQuery(text="Jonas Senas"), datasets=every)
    assert GONE in {hit.entity_id for hit in before.hits}
    retention.apply(store, erasers, actor="dpo")
    with store.read() as conn:
        after = search(store, conn, SearchQuery(text="Jonas Senas"), datasets=every)
        kept = search(store, conn, SearchQuery(text="Ona Mišri"), datasets=every)
    assert GONE not in {hit.entity_id for hit in after.hits}
    assert KEPT in {hit.entity_id for hit in kept.hits}
