"""Two analysts, two sources, one merged entity: each sees only facts from their source.

Search and graph do not exist yet; they will filter with ``visible_datasets`` the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.model.models import resolver
from pasienis.security import Clearance, Role
from pasienis.security.audit import search_audit
from pasienis.security.compartments import register_dataset
from pasienis.security.provision import provision
from pasienis.store import Store

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def put(store: Store, entity_id: str, props: dict, dataset: str) -> None:
    prov = Provenance(dataset, T0, run_id=f"run-{dataset}", locator=f"{dataset}:1")
    with store.begin() as conn:
        write_statements(store, conn, entity_statements(entity_id, "Person", props, prov))


@pytest.fixture
def world(store: Store, base_settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    put(store, "src-border", {"name": "Aleksandr Ivanov", "nationality": "ru"}, "border")
    put(store, "src-tax", {"name": "Aleksandras Ivanovas", "taxNumber": "LT123"}, "tax")
    put(store, "only-tax", {"name": "Rūta Tax"}, "tax")
    with store.begin() as conn:
        conn.execute(resolver.insert(), [
            {"entity_id": "src-border", "canonical_id": "NK-1", "updated_at": T0},
            {"entity_id": "src-tax", "canonical_id": "NK-1", "updated_at": T0},
        ])  # fmt: skip
        register_dataset(conn, name="secret-src", classification=Clearance.secret)
        tokens = {
            "border": provision(conn, name="ana", roles=[Role.analyst], datasets=["border"]),
            "tax": provision(conn, name="ben", roles=[Role.analyst], datasets=["tax"]),
            "all": provision(conn, name="cid", roles=[Role.analyst], datasets=["*"]),
            "none": provision(conn, name="dan", roles=[Role.analyst]),
        }
    with TestClient(create_app(base_settings, store=store)) as client:
        yield client, tokens


def get(client: TestClient, token: str, path: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.get(path, headers={"Authorization": f"Bearer {token}", **headers})


def test_profile_shows_each_analyst_only_their_source(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    border = get(client, tokens["border"], "/api/entities/src-tax").json()
    tax = get(client, tokens["tax"], "/api/entities/src-border").json()
    both = get(client, tokens["all"], "/api/entities/NK-1").json()
    assert border["id"] == tax["id"] == "NK-1"
    assert border["properties"]["name"] == ["Aleksandr Ivanov"]
    assert "taxNumber" not in border["properties"]
    assert tax["properties"]["name"] == ["Aleksandras Ivanovas"]
    assert "nationality" not in tax["properties"]
    assert sorted(both["properties"]["name"]) == ["Aleksandr Ivanov", "Aleksandras Ivanovas"]


def test_statements_and_export_are_filtered_too(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    rows = get(client, tokens["border"], "/api/entities/NK-1/statements").json()
    assert {r["dataset"] for r in rows} == {"border"}
    assert {r["entity_id"] for r in rows} == {"src-border"}
    exported = get(client, tokens["tax"], "/api/entities/NK-1/export")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    body = exported.json()
    assert body["schema"] == "Person"
    assert body["properties"]["taxNumber"] == ["LT123"]
    assert "nationality" not in body["properties"]


def test_an_entity_from_an_invisible_source_does_not_exist(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    for path in ("/api/entities/only-tax", "/api/entities/only-tax/statements",
                 "/api/entities/only-tax/export"):  # fmt: skip
        response = get(client, tokens["border"], path)
        assert response.status_code == 404, path
        assert "tax" not in response.text.lower().replace("only-tax", "")
    assert get(client, tokens["none"], "/api/entities/NK-1").status_code == 404
    assert get(client, tokens["tax"], "/api/entities/only-tax").status_code == 200


def test_clearance_limits_even_a_wildcard_grant(world, store: Store) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    me = get(client, tokens["all"], "/api/auth/me").json()
    assert me["datasets"] == ["border", "tax"]  # secret-src is above "restricted"


def test_reads_are_audited_with_purpose(world, store: Store) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    get(client, tokens["tax"], "/api/entities/NK-1", **{"X-Purpose": "case 2026/17"})
    get(client, tokens["tax"], "/api/entities/NK-1/export?purpose=court+request")
    get(client, tokens["border"], "/api/entities/only-tax")
    with store.read() as conn:
        reads = search_audit(conn, entity="NK-1")
        denied = search_audit(conn, user="ana")
    assert [(r["action"], r["purpose"]) for r in reads] == [
        ("entity.export", "court request"),
        ("entity.read", "case 2026/17"),
    ]
    assert reads[0]["actor_name"] == "ben"
    assert reads[0]["ip"] == "testclient"
    assert reads[0]["user_agent"]
    assert denied[0]["outcome"] == "not-found"
    assert denied[0]["entity_ids"] == ["only-tax"]
