"""Regression tests of issue 11, items 1 and 2: reads of runs, quarantine and jobs through
dataset grants (audited, no server paths for non-administrators); writes need a write grant,
a new dataset gets its creator as owner, no statement lands on an entity the writer cannot
see, and dataset names are validated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from compartment_world import Side, WorldTemplate, serve_world
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pasienis.cli import app as cli_app
from pasienis.config import Settings
from pasienis.security import ForbiddenError, InvalidDatasetNameError, Role
from pasienis.security.audit import search_audit
from pasienis.security.compartments import (
    GranteeKind,
    Permission,
    ResourceKind,
    grant,
    list_grants,
)
from pasienis.security.provision import provision
from pasienis.security.users import get_user
from pasienis.store import Store


@pytest.fixture
def _served(
    analyst_world: WorldTemplate, tmp_path: Path, base_settings: Settings
) -> Iterator[tuple[FastAPI, TestClient, Side, Side, Store]]:
    yield from serve_world(analyst_world, tmp_path, base_settings)


@pytest.fixture
def world(_served: tuple) -> tuple[FastAPI, TestClient, Side, Side]:
    """The two analysts' world (a private copy), served."""
    return _served[:4]


@pytest.fixture
def sqlite_store(_served: tuple) -> Store:
    """In this module: the store of the served world copy."""
    return _served[4]


def _entry_of(store: Store, dataset: str) -> str:
    with store.read() as conn:
        from pasienis.ingest import list_entries

        return list_entries(conn, dataset=dataset)[0]["id"]


def _ftm_upload(entity_id: str, name: str) -> dict:
    line = json.dumps({"id": entity_id, "schema": "Person", "properties": {"name": [name]}})
    return {"file": ("inject.ftm.json", (line + "\n").encode())}


# --- item 1: reads ---------------------------------------------------------------------------


def test_quarantine_is_read_only_through_grants_and_audited(world, sqlite_store: Store) -> None:  # type: ignore[no-untyped-def]
    _app, client, ana, bob = world
    theirs = _entry_of(sqlite_store, bob.dataset)
    mine = _entry_of(sqlite_store, ana.dataset)
    listed = client.get("/api/quarantine", params={"dataset": bob.dataset}, headers=ana.headers)
    assert listed.status_code == 200
    assert listed.json() == {"total": 0, "offset": 0, "limit": 100, "rows": []}
    own = client.get("/api/quarantine", headers=ana.headers).json()
    assert ([e["id"] for e in own["rows"]], own["total"]) == ([mine], 1)
    assert client.get(f"/api/quarantine/{theirs}", headers=ana.headers).status_code == 404
    shown = client.get(f"/api/quarantine/{mine}", headers=ana.headers)
    assert shown.json()["record"]["born"] == "BADDATE-ALFA"
    with sqlite_store.read() as conn:
        logged = search_audit(conn, user="ana")
    reads = {(e["action"], e["outcome"]) for e in logged}
    assert {("quarantine.read", "ok"), ("quarantine.entry.read", "ok"),
            ("quarantine.entry.read", "not-found")} <= reads  # fmt: skip
    entry_read = next(e for e in logged if e["action"] == "quarantine.entry.read")
    assert entry_read["detail"]["entry"] in {mine, theirs}


def test_import_runs_follow_grants_and_hide_server_paths(world, sqlite_store: Store) -> None:  # type: ignore[no-untyped-def]
    _app, client, ana, bob = world
    runs = client.get("/api/imports", headers=ana.headers).json()
    assert {r["dataset"] for r in runs} == {ana.dataset}
    assert all("source_path" not in r for r in runs)  # the file name only
    assert {r["source_name"] for r in runs} == {"secretfile-ALFA.csv", "stream-ALFA.ftm.json"}
    bob_run = next(v for k, v in bob.markers.items() if k.startswith("run "))
    assert client.get(f"/api/imports/{bob_run}", headers=ana.headers).status_code == 404
    with sqlite_store.begin() as conn:
        token = provision(conn, name="adm", roles=[Role.administrator], datasets=[ana.dataset])
    admin = {"Authorization": f"Bearer {token}"}
    seen = client.get("/api/imports", headers=admin).json()
    assert {r["dataset"] for r in seen} == {ana.dataset}  # grants bind administrators too
    assert all(r["source_path"].endswith(r["source_name"]) for r in seen)  # paths for admins


def test_jobs_follow_grants_and_hide_server_paths(world, sqlite_store: Store) -> None:  # type: ignore[no-untyped-def]
    _app, client, ana, bob = world
    own = client.get("/api/jobs", headers=ana.headers).json()
    assert len(own) == 2
    params = [j["params"] for j in own]
    assert all("/" not in p["path"] for p in params)  # file name, not the server path
    with sqlite_store.begin() as conn:
        token = provision(conn, name="adm", roles=[Role.administrator], datasets=[ana.dataset])
    admin = {"Authorization": f"Bearer {token}"}
    jobs = client.get("/api/jobs", headers=admin).json()
    assert {j["created_by"] for j in jobs} == {"ana"}  # bob's jobs are of beta_ds
    bob_job = next(v for k, v in bob.markers.items() if k.startswith("job "))
    assert client.get(f"/api/jobs/{bob_job}", headers=admin).status_code == 404
    assert client.post(f"/api/jobs/{bob_job}/cancel", headers=admin).status_code == 404


# --- item 2: writes --------------------------------------------------------------------------


def test_writing_needs_a_write_grant(world, sqlite_store: Store) -> None:  # type: ignore[no-untyped-def]
    """A read grant lets bob see alpha_ds, not add to it; a write grant does."""
    app, client, ana, bob = world
    with sqlite_store.begin() as conn:
        bob_id = get_user(conn, name="bob").id
        grant(conn, resource_kind=ResourceKind.dataset, resource=ana.dataset,
              grantee_kind=GranteeKind.user, grantee=bob_id, granted_by="t")  # fmt: skip
    form = {"format": "ftm", "dataset": ana.dataset}
    refused = client.post("/api/imports", headers=bob.headers, data=form,
                          files=_ftm_upload("bob-new-1", "Injected Name"))  # fmt: skip
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"].endswith("/forbidden")
    with sqlite_store.begin() as conn:
        grant(conn, resource_kind=ResourceKind.dataset, resource=ana.dataset,
              grantee_kind=GranteeKind.user, grantee=bob_id, granted_by="t",
              permission=Permission.write)  # fmt: skip
    allowed = client.post("/api/imports", headers=bob.headers, data=form,
                          files=_ftm_upload("bob-new-1", "Allowed Name"))  # fmt: skip
    assert allowed.status_code == 202, allowed.text
    assert app.state.jobs.wait(allowed.json()["job_id"])["status"] == "succeeded"


def test_a_new_dataset_makes_its_creator_the_owner(world, sqlite_store: Store) -> None:  # type: ignore[no-untyped-def]
    app, client, _ana, bob = world
    answer = client.post("/api/imports", headers=bob.headers,
                         data={"format": "ftm", "dataset": "gamma_ds"},
                         files=_ftm_upload("gamma-1", "Gamma Person"))  # fmt: skip
    assert answer.status_code == 202, answer.text
    assert app.state.jobs.wait(answer.json()["job_id"])["status"] == "succeeded"
    with sqlite_store.read() as conn:
        grants = list_grants(conn, resource_kind=ResourceKind.dataset)
    assert {(g["resource"], g["grantee"], g["permission"]) for g in grants} >= {
        ("gamma_ds", "bob", "write"), ("beta_ds", "bob", "write"), ("alpha_ds", "ana", "write")
    }  # fmt: skip
    assert "gamma_ds" in client.get("/api/auth/me", headers=bob.headers).json()["datasets"]
    assert client.get("/api/entities/gamma-1", headers=bob.headers).status_code == 200


@pytest.mark.parametrize("name", ["../../etc", "A", "Big", "with space", "a/b", "x" * 65, "é"])
def test_dataset_names_are_validated(world, name: str) -> None:  # type: ignore[no-untyped-def]
    _app, client, _ana, bob = world
    answer = client.post("/api/imports", headers=bob.headers,
                         data={"format": "ftm", "dataset": name},
                         files=_ftm_upload("x-1", "X"))  # fmt: skip
    assert answer.status_code == 422, (name, answer.text)
    assert answer.json()["type"].endswith("/invalid-dataset-name")


def test_no_statement_lands_on_an_entity_the_writer_cannot_see(world, sqlite_store: Store) -> None:  # type: ignore[no-untyped-def]
    """bob, in his own dataset, names ana's entity id: the line is quarantined with the reason,
    and an analyst who sees both datasets does not see bob's name on ana's entity."""
    app, client, ana, bob = world
    target = next(v for k, v in ana.markers.items() if k == "entity id ftm-alfa-entity")
    answer = client.post("/api/imports", headers=bob.headers,
                         data={"format": "ftm", "dataset": bob.dataset},
                         files=_ftm_upload(target, "Injected By Bob"))  # fmt: skip
    job = app.state.jobs.wait(answer.json()["job_id"])
    assert job["status"] == "succeeded", job
    assert (job["result"]["statements"], job["result"]["quarantined"]) == (0, 1)
    entries = client.get("/api/quarantine", headers=bob.headers).json()["rows"]
    refused = next(e for e in entries if e["value"] == target)
    assert "you may not see" in refused["reason"]
    assert refused["field"] == "id"
    with sqlite_store.begin() as conn:
        token = provision(conn, name="cid", roles=[Role.analyst], datasets=["*"])
    both = client.get(f"/api/entities/{target}", headers={"Authorization": f"Bearer {token}"})
    assert both.status_code == 200
    assert "Injected By Bob" not in both.text
    # An entity bob can see (his own) takes his statements as before.
    own = client.post("/api/imports", headers=bob.headers,
                      data={"format": "ftm", "dataset": bob.dataset, "force": "true"},
                      files=_ftm_upload("ftm-beta-entity", "Second Name"))  # fmt: skip
    assert app.state.jobs.wait(own.json()["job_id"])["result"]["statements"] >= 1


def test_the_cli_acts_for_a_user_when_told(cli, sqlite_store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with sqlite_store.begin() as conn:
        provision(conn, name="dora", roles=[Role.analyst], datasets=["delta_ds"])
    source = tmp_path / "d.ftm.json"
    source.write_text(json.dumps({"id": "d-1", "schema": "Person",
                                  "properties": {"name": ["Dora Data"]}}) + "\n")  # fmt: skip
    args = ["ingest", str(source), "--format", "ftm", "--dataset", "delta_ds", "-q"]
    runner = CliRunner()  # the ``cli`` fixture has pointed the environment at the store
    refused = runner.invoke(cli_app, [*args, "--user", "dora"])
    assert isinstance(refused.exception, ForbiddenError), refused.output
    assert "may not write" in refused.exception.message
    assert "delta_ds: completed" in cli(*args)  # the operator at the shell is not limited
    bad = runner.invoke(cli_app, [*args[:5], "../../etc"])
    assert isinstance(bad.exception, InvalidDatasetNameError), bad.output
