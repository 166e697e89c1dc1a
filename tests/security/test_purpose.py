"""A deployment may require a stated purpose on analyst reads (``audit_require_purpose``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.security import Role
from pasienis.security.audit import search_audit, verify_chain
from pasienis.security.provision import provision
from pasienis.store import Store

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def _client(store: Store, settings: Settings, required: bool) -> TestClient:
    cfg = settings.model_copy(update={"audit_require_purpose": required})
    return TestClient(create_app(cfg, store=store))


@pytest.fixture
def tokens(store: Store) -> dict[str, dict[str, str]]:
    prov = Provenance("border", T0, run_id="r1", locator="border:1")
    with store.begin() as conn:
        write_statements(store, conn, entity_statements("p-1", "Person", {"name": ["Ona"]}, prov))
        made = {
            "analyst": provision(conn, name="ana", roles=[Role.analyst], datasets=["border"]),
            "dispatcher": provision(conn, name="dis", roles=[Role.dispatcher]),
        }
    return {k: {"Authorization": f"Bearer {v}"} for k, v in made.items()}


def test_a_read_without_purpose_is_refused_and_logged(
    store: Store, base_settings: Settings, tokens: dict[str, dict[str, str]]
) -> None:
    with _client(store, base_settings, required=True) as client:
        refused = client.get("/api/entities/p-1", headers=tokens["analyst"])
        assert refused.status_code == 400
        assert refused.json()["type"].endswith("/purpose-required")
        assert "Ona" not in refused.text
        listed = client.get("/api/quarantine", headers=tokens["analyst"])
        assert listed.status_code == 400
        header = {**tokens["analyst"], "X-Purpose": "case 2026/5"}
        assert client.get("/api/entities/p-1", headers=header).json()["id"] == "p-1"
        query = client.get("/api/entities/p-1", params={"purpose": "case 2026/6"},
                           headers=tokens["analyst"])  # fmt: skip
        assert query.status_code == 200
        # Not an analyst read: a dispatcher's task list needs no purpose (it is still logged).
        assert client.get("/api/tasks", headers=tokens["dispatcher"]).status_code == 200
    with store.read() as conn:
        entries = search_audit(conn, user="ana")
    denied = [e for e in entries if e["outcome"] == "denied"]
    assert {e["detail"]["path"] for e in denied} == {"/api/entities/p-1", "/api/quarantine"}
    assert {e["purpose"] for e in entries if e["action"] == "entity.read"} == {
        "case 2026/5", "case 2026/6"
    }  # fmt: skip
    assert verify_chain(store).ok


def test_without_the_setting_no_purpose_is_needed(
    store: Store, base_settings: Settings, tokens: dict[str, dict[str, str]]
) -> None:
    with _client(store, base_settings, required=False) as client:
        assert client.get("/api/entities/p-1", headers=tokens["analyst"]).status_code == 200
