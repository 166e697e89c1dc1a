"""Scoring the store's declarations: scores kept per declaration with their explanation,
alerts of kind risk raised once, everything read through dataset grants (API and CLI)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.graph import GraphService
from pasienis.model.events import declarations, goods_items
from pasienis.risk import list_scores, parse_rules, score_store
from pasienis.security import Role
from pasienis.security.compartments import register_dataset
from pasienis.security.provision import provision
from pasienis.store import Store
from pasienis.watch import list_alerts, task_request

RULES = parse_rules("""\
version: 3
rules:
  - {id: cheap, weight: 4.0, reason: Unit value far below the median,
     when: {unit_value_ratio: {lt: 0.3}}}
  - {id: tobacco, weight: 0.5, reason: Tobacco, when: {hs_code: {prefix: "24"}}}
""")  # fmt: skip
T0 = datetime(2026, 9, 1, 8, tzinfo=UTC)


def _declarations(dataset: str, n: int, cheap: set[int]) -> tuple[list[dict], list[dict]]:
    decl, items = [], []
    for i in range(n):
        did = f"{dataset}-d{i}"
        decl.append({"id": did, "occurred_at": T0 + timedelta(days=i % 20), "dataset": dataset,
                     "reference": f"LRN{dataset}{i:04d}", "office_code": "LTMD2000",
                     "consignee_id": f"{dataset}-co{i % 4}", "lat": 54.2, "lon": 25.4,
                     "attributes": {"@lrn": f"LRN{dataset}{i:04d}"}})  # fmt: skip
        for k in (1, 2):
            value = 20_000.0 if i not in cheap or k == 2 else 800.0
            items.append({"id": f"{did}-{k}", "occurred_at": T0 + timedelta(days=i % 20),
                          "dataset": dataset, "declaration_id": did, "item_no": k,
                          "cn_code": "24022090" if k == 1 else "85171300",
                          "origin_country": "BY", "net_mass_kg": 100.0,
                          "statistical_value": value})  # fmt: skip
    return decl, items


@pytest.fixture
def world(store: Store) -> dict[str, str]:
    return _world(store)


def _world(store: Store) -> dict[str, str]:
    with store.begin() as conn:
        for name, cheap in (("east", {3, 7}), ("west", {5})):
            decl, items = _declarations(name, 30, cheap)
            conn.execute(declarations.insert(), decl)
            conn.execute(goods_items.insert(), items)
            register_dataset(conn, name=name)
        return {
            "east": provision(conn, name="ana-e", roles=[Role.analyst], datasets=["east"]),
            "west": provision(conn, name="ana-w", roles=[Role.analyst], datasets=["west"]),
            "field": provision(conn, name="fo", roles=[Role.field_officer], datasets=["*"]),
        }


def test_scores_alerts_and_their_compartments(store: Store, world: dict[str, str]) -> None:
    both = frozenset({"east", "west"})
    summary = score_store(store, model=None, rules=RULES, datasets=both, actor="t",
                          threshold=0.9, graph=GraphService(store))  # fmt: skip
    assert summary["declarations"] == 60
    assert summary["lines"] == 120
    assert summary["alerts"] == 3
    with store.read() as conn:
        east = list_scores(conn, datasets=frozenset({"east"}), min_probability=0.9)
        assert {r["reference"] for r in east["items"]} == {"LRNeast0003", "LRNeast0007"}
        top = east["items"][0]
        assert [r["id"] for r in top["explanation"]["rules"]] == ["cheap", "tobacco"]
        assert top["score"] == pytest.approx(4.5)
        assert top["rules_version"] == 3
        alerts = list_alerts(conn, datasets=frozenset({"west"}), status=None, kind=None,
                             limit=50, offset=0)  # fmt: skip
        assert [a["record_id"] for a in alerts] == ["west-d5"]
        assert alerts[0]["kind"] == "risk"
        assert alerts[0]["lat"] == pytest.approx(54.2)
        assert "Unit value far below" in alerts[0]["evidence"]["entry"]["reason"]
        task = task_request(alerts[0])  # what "turn into a field task" sends to operations
        assert task["category"] == "risk"
        assert task["lat"] == pytest.approx(54.2)
        assert task["text"].startswith("Inspect: Risk LRNwest0005: Unit value far below")
    again = score_store(store, model=None, rules=RULES, datasets=both, actor="t", threshold=0.9)
    assert again["alerts"] == 0  # scored again: no second alert, scores replaced
    with store.read() as conn:
        assert list_scores(conn, datasets=None)["total"] == 60


@pytest.fixture
def client(store: Store, base_settings: Settings, world: dict[str, str]) -> Iterator[TestClient]:
    score_store(store, model=None, rules=RULES, datasets=frozenset({"east", "west"}), actor="t")
    with TestClient(create_app(base_settings, store=store), base_url="https://testserver") as c:
        yield c


def _get(client: TestClient, token: str, path: str):  # type: ignore[no-untyped-def]
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_api_reads_scores_through_grants(client: TestClient, world: dict[str, str]) -> None:
    east = _get(client, world["east"], "/api/risk/scores?min_probability=0.9").json()
    assert east["total"] == 2
    assert all(r["dataset"] == "east" for r in east["items"])
    one = _get(client, world["east"], "/api/risk/scores/east-d3")
    assert one.status_code == 200
    assert one.json()[0]["explanation"]["rules"]
    hidden = _get(client, world["west"], "/api/risk/scores/east-d3")
    assert hidden.status_code == 404
    assert _get(client, world["field"], "/api/risk/scores").status_code == 403
    rules = _get(client, world["east"], "/api/risk/rules").json()
    assert rules["version"] >= 1
    assert rules["rules"]


def test_api_run_scores_as_a_job(sqlite_store: Store, base_settings: Settings) -> None:
    tokens = _world(sqlite_store)
    app = create_app(base_settings, store=sqlite_store)
    with TestClient(app, base_url="https://testserver") as client:
        r = client.post("/api/risk/runs", json={"model": None, "threshold": 0.5},
                        headers={"Authorization": f"Bearer {tokens['west']}"})  # fmt: skip
        assert r.status_code == 202, r.text
        job = app.state.jobs.wait(r.json()["job_id"])
        assert job["status"] == "succeeded", job
        assert job["result"]["declarations"] == 30  # the caller's datasets only
        listed = _get(client, tokens["west"], "/api/risk/scores").json()
        assert listed["total"] == 30
