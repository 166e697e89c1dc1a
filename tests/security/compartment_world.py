"""Two analysts, two datasets, real data in each: the world the compartment tests walk.

Each analyst imports through the API (so the import run, the job, the statements, the
events and the quarantine entry are made the way production makes them) a mapped CSV with
a person, a plate read and a bad row, and an FtM stream with an entity of a fixed id. Every
value that would betray the dataset to the other analyst is a *marker*.
"""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from pasienis.config import Settings
from pasienis.ingest.models import import_runs, quarantine
from pasienis.jobs.models import jobs
from pasienis.model.models import statements
from pasienis.security import Role
from pasienis.security.compartments import GranteeKind, ResourceKind, grant
from pasienis.security.provision import provision
from pasienis.store import Store

MAPPING = """dataset: {dataset}
entities:
  person:
    schema: Person
    key: [pid]
    properties:
      name: name
      birthDate: born
events:
  read:
    table: plate_reads
    key: [pid]
    columns:
      occurred_at: seen
      camera_id: camera
      plate: plate
"""


@dataclass
class Side:
    """One analyst and what they imported: markers (label → value) and object ids."""

    user: str
    dataset: str
    token: str
    tag: str
    markers: dict[str, str] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _csv(tag: str) -> str:
    return (
        "pid,name,born,seen,camera,plate\n"
        f"1,Person {tag} Markername,1980-02-03,2026-11-01T10:00:00+00:00,CAM-{tag},PL{tag}1\n"
        f"2,Row {tag} Badrow,BADDATE-{tag},2026-11-01T10:05:00+00:00,CAM-{tag},PL{tag}2\n"
    )


def _ftm(tag: str) -> str:
    entity = {
        "id": f"ftm-{tag.lower()}-entity",
        "schema": "Person",
        "properties": {"name": [f"Ftm {tag} Personmarker"]},
    }
    return json.dumps(entity) + "\n"


def _import(client: TestClient, side: Side, app: FastAPI) -> None:
    """A mapped CSV and an FtM stream into the side's dataset, each a job of the side."""
    mapped = client.post(
        "/api/imports",
        headers=side.headers,
        files={
            "file": (f"secretfile-{side.tag}.csv", _csv(side.tag).encode()),
            "mapping": ("m.yml", MAPPING.format(dataset=side.dataset).encode()),
        },
    )
    assert mapped.status_code == 202, mapped.text
    streamed = client.post(
        "/api/imports",
        headers=side.headers,
        files={"file": (f"stream-{side.tag}.ftm.json", _ftm(side.tag).encode())},
        data={"format": "ftm", "dataset": side.dataset},
    )
    assert streamed.status_code == 202, streamed.text
    for answer in (mapped, streamed):
        done = app.state.jobs.wait(answer.json()["job_id"])
        assert done["status"] == "succeeded", done


def _declare(store: Store, side: Side) -> None:
    """A customs declaration in the side's dataset, scored by the risk rules (risk scores
    and a risk alert of the side's)."""
    from datetime import UTC, datetime

    from pasienis.model.events import declarations, goods_items
    from pasienis.risk import parse_rules, score_store

    did, when = f"decl-{side.tag.lower()}", datetime(2026, 10, 1, tzinfo=UTC)
    with store.begin() as conn:
        conn.execute(
            declarations.insert(),
            [
                {
                    "id": did,
                    "occurred_at": when,
                    "dataset": side.dataset,
                    "reference": f"LRN-{side.tag}-REF",
                    "attributes": {"@lrn": f"LRN-{side.tag}-REF"},
                }
            ],
        )
        conn.execute(
            goods_items.insert(),
            [
                {
                    "id": f"{did}-1",
                    "occurred_at": when,
                    "dataset": side.dataset,
                    "declaration_id": did,
                    "item_no": 1,
                    "cn_code": "24022090",
                    "origin_country": "BY",
                    "net_mass_kg": 10.0,
                    "statistical_value": 5.0,
                }
            ],
        )
    rules = parse_rules(
        "version: 1\nrules:\n  - {id: t, weight: 5, reason: Tobacco, "
        "when: {hs_code: {prefix: '24'}}}\n"
    )
    score_store(
        store,
        model=None,
        rules=rules,
        datasets=frozenset({side.dataset}),
        actor=side.user,
        threshold=0.5,
    )
    side.markers |= {f"declaration {did}": did, "declaration reference": f"LRN-{side.tag}-REF"}


def _collect(store: Store, side: Side) -> None:
    """Markers and ids of everything the side's imports made, read back from the store."""
    tag = side.tag
    side.markers |= {
        "person name": f"Person {tag} Markername",
        "bad-row name": f"Row {tag} Badrow",
        "raw value": f"BADDATE-{tag}",
        "plate": f"PL{tag}1",
        "camera": f"CAM-{tag}",
        "ftm name": f"Ftm {tag} Personmarker",
        "file name": f"secretfile-{tag}",
        "dataset": side.dataset,
    }
    with store.read() as conn:
        ids = conn.execute(
            select(statements.c.entity_id).where(statements.c.dataset == side.dataset).distinct()
        ).scalars()
        side.markers |= {f"entity id {i}": i for i in ids}
        for run in conn.execute(select(import_runs).where(import_runs.c.dataset == side.dataset)):
            side.markers |= {f"run {run.id}": run.id, f"path {run.id}": run.source_path}
        for q in conn.execute(select(quarantine.c.id).where(quarantine.c.dataset == side.dataset)):
            side.markers[f"quarantine {q.id}"] = q.id
        for job in conn.execute(select(jobs.c.id).where(jobs.c.created_by == side.user)):
            side.markers[f"job {job.id}"] = job.id
    side.ids = [v for k, v in side.markers.items() if k.split(" ")[0] in {"entity", "run",
                "quarantine", "job", "declaration"}]  # fmt: skip
    side.ids += [side.dataset, side.user]


def _case(client: TestClient, side: Side) -> None:
    """A case of the side's own (an entity, a chart of it and a note), through the API."""
    person = next(v for k, v in side.markers.items() if k.startswith("entity id ") and
                  "person" in v)  # fmt: skip
    made = client.post("/api/cases", headers=side.headers,
                       json={"title": f"Case {side.tag} Casemarker"})  # fmt: skip
    assert made.status_code == 201, made.text
    case_id = made.json()["id"]
    graph = client.post("/api/graph/expand", headers=side.headers, json={"ids": [person]}).json()
    chart = {"nodes": [{"id": n["id"], "data": n} for n in graph["nodes"]],
             "edges": [{"id": e["id"], "source": e["source"], "target": e["target"],
                        "data": e} for e in graph["edges"]]}  # fmt: skip
    items = [{"kind": "entity", "ref": person}, {"kind": "chart", "chart": chart},
             {"kind": "note", "note": f"Note {side.tag} Notemarker"}]  # fmt: skip
    for body in items:
        added = client.post(f"/api/cases/{case_id}/items", headers=side.headers, json=body)
        assert added.status_code == 201, added.text
        side.markers[f"case item {added.json()['id']}"] = added.json()["id"]
        side.ids.append(added.json()["id"])
    side.markers |= {f"case {case_id}": case_id, "case title": f"Case {side.tag} Casemarker",
                     "case note": f"Note {side.tag} Notemarker"}  # fmt: skip
    # First, so the walk also asks for (own case, own item) pairs (it varies one parameter
    # at a time around each side's first id).
    side.ids.insert(0, case_id)


def _ensure_read_grant(store: Store, user_id: str, dataset: str, principal_datasets: set) -> None:
    """The owner grant an import into a new dataset gives; added as a read grant only where
    the code under test gives none (so the same world builds on older code)."""
    if dataset in principal_datasets:
        return
    with store.begin() as conn:
        grant(
            conn, resource_kind=ResourceKind.dataset, resource=dataset,
            grantee_kind=GranteeKind.user, grantee=user_id, granted_by="test",
        )  # fmt: skip


def build_world(
    store: Store, app: FastAPI, client: TestClient, *, roles: tuple[Role, ...] = (Role.analyst,)
) -> tuple[Side, Side]:
    """Analyst ``ana`` with dataset ``alpha_ds`` and analyst ``bob`` with ``beta_ds``."""
    from pasienis.security.authn import principal_for_user
    from pasienis.security.principals import PrincipalKind
    from pasienis.security.users import get_user

    sides = []
    for user, dataset, tag in (("ana", "alpha_ds", "ALFA"), ("bob", "beta_ds", "BETA")):
        with store.begin() as conn:
            token = provision(conn, name=user, roles=roles, datasets=[])
        side = Side(user=user, dataset=dataset, token=token, tag=tag)
        _import(client, side, app)
        with store.read() as conn:
            user_id = get_user(conn, name=user).id
            seen = set(principal_for_user(conn, user_id, PrincipalKind.token).datasets)
        _ensure_read_grant(store, user_id, dataset, seen)
        _declare(store, side)
        _collect(store, side)
        sides.append(side)
    for side in sides:  # after both imports: the graph projection is built once, complete
        _case(client, side)
    return sides[0], sides[1]


def leaks(text: str, other: Side, asked: str) -> list[str]:
    """Markers of ``other`` found in ``text``, except values the request itself carried
    (``asked``: an id echoed in a 404 message is not a leak)."""
    return [f"{label} ({value})" for label, value in other.markers.items()
            if value and value not in asked and value in text]  # fmt: skip


def body_text(response: Any) -> str:
    """The response as text (bytes decoded leniently), headers included."""
    head = " ".join(f"{k}: {v}" for k, v in response.headers.items())
    return head + "\n" + response.content.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class WorldTemplate:
    """A world built once (a SQLite file and its two sides), copied for each test: building
    it imports four files through the API, each in its own process, which is most of a test's
    time; the tests only read it or add to their own copy."""

    path: Path
    sides: tuple[Side, Side]


def build_template(
    folder: Path, template_db: Path, settings: Settings, *, roles: tuple[Role, ...]
) -> WorldTemplate:
    """Build the world on a copy of the migrated ``template_db`` in ``folder``."""
    from pasienis.api import create_app
    from pasienis.store import open_store

    path = folder / "world.db"
    shutil.copyfile(template_db, path)
    store = open_store(Settings(database_url=f"sqlite:///{path}"))
    try:
        app = create_app(settings, store=store)
        with TestClient(app, base_url="https://testserver") as client:
            sides = build_world(store, app, client, roles=roles)
    finally:
        store.dispose()
    with closing(sqlite3.connect(path)) as raw:  # all in the main file, so a copy holds it all
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return WorldTemplate(path=path, sides=sides)


def with_roles(template: WorldTemplate, folder: Path, *, roles: tuple[Role, ...]) -> WorldTemplate:
    """A copy of ``template`` in ``folder`` whose two users hold ``roles`` instead: the same
    data made the same way, read with other roles, without importing it all again."""
    from pasienis.security.users import get_user, set_roles
    from pasienis.store import open_store

    path = folder / "world.db"
    shutil.copyfile(template.path, path)
    store = open_store(Settings(database_url=f"sqlite:///{path}"))
    try:
        with store.begin() as conn:
            for side in template.sides:
                set_roles(conn, user_id=get_user(conn, name=side.user).id, roles=roles)
    finally:
        store.dispose()
    with closing(sqlite3.connect(path)) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return WorldTemplate(path=path, sides=copy.deepcopy(template.sides))


def open_world(template: WorldTemplate, folder: Path) -> tuple[Store, Side, Side]:
    """A private copy of the world: its store and its two sides (fresh objects)."""
    from pasienis.store import open_store

    path = folder / "world.db"
    shutil.copyfile(template.path, path)
    store = open_store(Settings(database_url=f"sqlite:///{path}"))
    ana, bob = (copy.deepcopy(side) for side in template.sides)
    return store, ana, bob


def serve_world(
    template: WorldTemplate, folder: Path, settings: Settings
) -> Iterator[tuple[FastAPI, TestClient, Side, Side, Store]]:
    """A private copy of ``template`` behind a running app (for a fixture to yield from)."""
    from pasienis.api import create_app

    store, ana, bob = open_world(template, folder)
    try:
        app = create_app(settings, store=store)
        with TestClient(app, base_url="https://testserver") as client:
            yield app, client, ana, bob, store
    finally:
        store.dispose()
