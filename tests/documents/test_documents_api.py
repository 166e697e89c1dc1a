"""POST /api/documents runs a job; the read routes stay inside the caller's compartments."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import EN
from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.security import Role
from pasienis.security.models import audit_log
from pasienis.security.provision import provision
from pasienis.store import Store


def test_upload_job_and_compartmented_reads(
    sqlite_store: Store, base_settings: Settings, tmp_path: Path, samples: dict[str, Path]
) -> None:
    settings = base_settings.model_copy(update={"data_dir": tmp_path / "data"})
    with sqlite_store.begin() as conn:
        ana = provision(conn, name="ana", roles=[Role.analyst], datasets=["case_a"])
        bob = provision(conn, name="bob", roles=[Role.analyst], datasets=["case_b"])
    app = create_app(settings, store=sqlite_store)
    with TestClient(app, headers={"Authorization": f"Bearer {ana}"}) as client:
        files = [
            ("files", ("r.txt", EN.encode())),
            ("files", ("m.eml", samples["eml"].read_bytes())),
        ]
        denied = client.post("/api/documents", files=files, data={"dataset": "case_b"})
        assert denied.status_code == 403
        response = client.post("/api/documents", files=files, data={"dataset": "case_a"})
        assert response.status_code == 202, response.text
        job = app.state.jobs.wait(response.json()["job_id"])
        assert job["status"] == "succeeded", job
        assert job["result"]["counts"] == {"processed": 3}
        listed = client.get("/api/documents").json()
        assert sorted(d["file_name"] for d in listed) == ["m.eml", "r.txt", "scan.txt"]
        doc_id = next(d["id"] for d in listed if d["file_name"] == "r.txt")
        assert client.get(f"/api/documents/{doc_id}").json()["status"] == "processed"
        assert client.get(f"/api/documents/{doc_id}/text").json()["text"] == EN
        mentions = client.get(f"/api/documents/{doc_id}/mentions").json()
        assert {"phone", "iban", "plate"} <= {m["kind"] for m in mentions}
        original = client.get(f"/api/documents/{doc_id}/original")
        assert original.content == EN.encode()
        phone = next(m for m in mentions if m["kind"] == "phone")
        assert phone["link"]["status"] == "linked"
        assert phone["link"]["evidence"]["rule"] == "new-identifier"
        url = f"/api/documents/mentions/{phone['id']}/judgement"
        bad = client.post(url, json={"decision": "merge"})
        assert bad.status_code == 422
        judged = client.post(url, json={"decision": "reject", "reason": "a typo in the report"})
        assert judged.status_code == 200, judged.text
        assert (judged.json()["status"], judged.json()["entity_id"]) == ("rejected", None)
        again = client.get(f"/api/documents/{doc_id}/mentions").json()
        link = next(m for m in again if m["id"] == phone["id"])["link"]
        assert link["evidence"]["judgement"]["actor"] == "ana"
        assert link["evidence"]["judgement"]["reason"] == "a typo in the report"
        client.headers["Authorization"] = f"Bearer {bob}"
        hidden = client.post(url, json={"decision": "clear"})
        assert hidden.status_code == 404
        assert client.get("/api/documents").json() == []
        for suffix in ("", "/text", "/mentions", "/original"):
            hidden = client.get(f"/api/documents/{doc_id}{suffix}")
            assert hidden.status_code == 404
            assert hidden.headers["content-type"] == "application/problem+json"
    with sqlite_store.read() as conn:
        actions = [(r.action, r.outcome) for r in conn.execute(select(audit_log))]
    assert ("document.text", "ok") in actions
    assert ("document.mentions", "not-found") in actions
    assert ("documents.upload", "ok") in actions
    assert ("document.mention.reject", "ok") in actions
