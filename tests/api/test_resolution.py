"""Resolution routes in-process: the queue, decisions and undo, as two analysts with
different grants (a pair is only seen and decided by one who may read both records)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.resolve.conftest import load_people

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.resolve import RunParams, run_batch
from pasienis.security import Role
from pasienis.security.provision import provision
from pasienis.store import Store


@pytest.fixture
def clients(sqlite_store: Store, base_settings: Settings) -> Iterator[dict[str, TestClient]]:
    load_people(sqlite_store)
    run_batch(
        sqlite_store,
        kind="person",
        params=RunParams(max_pairs=2e4, merge_threshold=0.999999, review_threshold=0.01),
    )
    with sqlite_store.begin() as conn:
        both = provision(conn, name="ona", roles=[Role.analyst], datasets=["border", "register"])
        border = provision(conn, name="jonas", roles=[Role.analyst], datasets=["border"])
    app = create_app(base_settings, store=sqlite_store)
    with (
        TestClient(app, headers={"Authorization": f"Bearer {both}"}) as ona,
        TestClient(app, headers={"Authorization": f"Bearer {border}"}) as jonas,
    ):
        yield {"ona": ona, "jonas": jonas}


def test_queue_decide_and_undo(clients: dict[str, TestClient]) -> None:
    ona, jonas = clients["ona"], clients["jonas"]
    queue = ona.get("/api/resolution/candidates", params={"limit": 500}).json()
    cross = [c for c in queue if c["left_datasets"] != c["right_datasets"]]
    assert cross
    pair = cross[0]
    seen_by_jonas = {
        c["id"] for c in jonas.get("/api/resolution/candidates", params={"limit": 500}).json()
    }
    assert pair["id"] not in seen_by_jonas
    assert jonas.get(f"/api/resolution/candidates/{pair['id']}").status_code == 404
    refused = jonas.post(f"/api/resolution/candidates/{pair['id']}", json={"decision": "merge"})
    assert refused.status_code == 404
    shown = ona.get(f"/api/resolution/candidates/{pair['id']}").json()
    assert shown["left"]["properties"]["name"]
    assert {e["comparison"] for e in shown["evidence"]} >= {"name", "dob"}
    judged = ona.post(
        f"/api/resolution/candidates/{pair['id']}",
        json={"decision": "merge", "reason": "same passport photo"},
    )
    assert judged.status_code == 200, judged.text
    judgement = judged.json()
    assert judgement["actor"] == "ona"
    members = ona.get(f"/api/resolution/entities/{pair['left_id']}/members").json()["members"]
    assert pair["right_id"] in members
    # jonas sees only the border member of the merged entity
    border_side = pair["left_id"] if pair["left_id"].startswith("border") else pair["right_id"]
    his = jonas.get(f"/api/resolution/entities/{border_side}/members").json()["members"]
    assert all(m.startswith("border") for m in his)
    undone = ona.post(f"/api/resolution/judgements/{judgement['id']}/undo", json={})
    assert undone.status_code == 200
    assert undone.json()["reverted_by"] == "ona"
    again = ona.post(f"/api/resolution/judgements/{judgement['id']}/undo", json={})
    assert again.status_code == 409
    bad = ona.post(f"/api/resolution/candidates/{pair['id']}", json={"decision": "maybe"})
    assert bad.status_code == 422


def test_run_is_a_job(clients: dict[str, TestClient]) -> None:
    started = clients["ona"].post("/api/resolution/runs", json={"kinds": ["vehicle"]})
    assert started.status_code == 202
    assert clients["ona"].post("/api/resolution/runs", json={"kinds": ["ship"]}).status_code == 422
