"""A value's raw source record, one click from the profile: read again from the imported file
(CSV row with its header, an FtM line), only for the datasets the caller may see, audited,
and refused with a clear answer when the file is gone or no longer the file imported."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.ingest.models import import_runs
from pasienis.security import Role
from pasienis.security.models import audit_log
from pasienis.security.provision import provision
from pasienis.store import Store, open_store

MAPPING = """dataset: {dataset}
entities:
  person:
    schema: Person
    key: [pid]
    properties:
      name: name
      birthDate: born
"""
CSV = (
    "pid,name,born,note\n1,Jonas Petraitis,1980-02-03,first\n2,Ona Kazlauskiene,1975-06-30,second\n"
)


@pytest.fixture(scope="module")
def world_template(
    sqlite_template: Path, base_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Two analysts; ``alf`` imported a CSV and an FtM stream through the API (each import a
    job in its own process) and both are searchable. Made once per module; ``world`` copies
    the database and the data folder (the uploaded files) for each test."""
    folder = tmp_path_factory.mktemp("statement-source")
    db = folder / "world.db"
    shutil.copyfile(sqlite_template, db)
    settings = base_settings.model_copy(
        update={"data_dir": folder / "data", "database_url": f"sqlite:///{db}"}
    )
    store = open_store(settings)
    try:
        with store.begin() as conn:
            tokens = {
                "alf": provision(conn, name="alf", roles=[Role.analyst]),
                "bet": provision(conn, name="bet", roles=[Role.analyst]),
            }
        app = create_app(settings, store=store)
        with TestClient(app, headers={"Authorization": f"Bearer {tokens['alf']}"}) as alf:
            jobs = [
                alf.post("/api/imports", files={
                    "file": ("people-a.csv", CSV.encode()),
                    "mapping": ("m.yml", MAPPING.format(dataset="src_a").encode())}),
                alf.post("/api/imports", data={"format": "ftm", "dataset": "src_a"}, files={
                    "file": ("stream-a.ftm.json", (json.dumps({"id": "ftm-a-1",
                             "schema": "Person", "properties": {"name": ["Rasa Jonaitiene"]}})
                             + "\n").encode())}),
            ]  # fmt: skip
            for answer in jobs:
                assert answer.status_code == 202, answer.text
                # Each import is a child process: on a loaded 2-core machine its start-up
                # alone can pass JobRunner.wait's default minute (a poll, so no cost when fast).
                job = app.state.jobs.wait(answer.json()["job_id"], timeout=600)
                assert job["status"] == "succeeded", job
            for caption in ("Jonas Petraitis", "Ona Kazlauskiene", "Rasa Jonaitiene"):
                _searchable(alf, caption)  # the copies start with the index caught up
    finally:
        store.dispose()
    return {"db": db, "data": settings.data_dir, "settings": settings, "tokens": tokens}


@pytest.fixture
def world(world_template: dict[str, Any], tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A copy of the module's world: its database, and its uploads at the copy's own paths."""
    db = tmp_path / "world.db"
    shutil.copyfile(world_template["db"], db)
    data = tmp_path / "data"
    shutil.copytree(world_template["data"], data)
    settings = world_template["settings"].model_copy(
        update={"data_dir": data, "database_url": f"sqlite:///{db}"}
    )
    store = open_store(settings)
    with store.begin() as conn:  # the copied runs name the copied files
        old, new = str(world_template["data"]), str(data)
        conn.execute(
            update(import_runs).values(
                source_path=func.replace(import_runs.c.source_path, old, new)
            )
        )
    app = create_app(settings, store=store)
    clients = {k: TestClient(app, headers={"Authorization": f"Bearer {v}"})
               for k, v in world_template["tokens"].items()}  # fmt: skip
    for c in clients.values():
        c.__enter__()
    yield {"app": app, "store": store, **clients}
    for c in clients.values():
        c.__exit__(None, None, None)
    store.dispose()


def _searchable(c: TestClient, caption: str) -> list[dict[str, Any]]:
    # The search index follows completed imports on the bus (a background follower), so an
    # entity becomes searchable shortly after its import job has finished.
    deadline = time.monotonic() + 60
    while True:
        hits = c.get("/api/search", params={"q": caption}).json()["hits"]
        found = [h for h in hits if h["caption"] == caption]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert found, f"{caption!r} never became searchable: {hits}"
    return found


def _statement(c: TestClient, caption: str, prop: str, value: str) -> tuple[str, dict]:
    entity = _searchable(c, caption)[0]["entity_id"]
    rows = c.get(f"/api/entities/{entity}/statements").json()
    return entity, next(r for r in rows if r["prop"] == prop and r["value"] == value)


def _source_path(store: Store, name: str) -> Path:
    with store.read() as conn:
        found = conn.execute(
            select(import_runs.c.source_path).where(import_runs.c.source_name == name)
        ).scalar_one()
    return Path(found)


def test_a_csv_value_leads_to_its_row_as_in_the_file(world: dict[str, Any]) -> None:
    alf = world["alf"]
    entity, st = _statement(alf, "Ona Kazlauskiene", "birthDate", "1975-06-30")
    answer = alf.get(f"/api/entities/{entity}/statements/{st['id']}/source")
    assert answer.status_code == 200, answer.text
    got = answer.json()
    # the whole row, every column (also those the mapping ignores), in file order
    assert got["fields"] == {"pid": "2", "name": "Ona Kazlauskiene", "born": "1975-06-30",
                             "note": "second"}  # fmt: skip
    assert list(got["fields"]) == ["pid", "name", "born", "note"]
    assert got["locator"] == "people-a.csv:3"
    assert got["run"]["source_name"] == "people-a.csv"
    assert got["run"]["id"] == st["run_id"]
    assert got["statement"]["id"] == st["id"]
    assert "source_path" not in json.dumps(got)
    with world["store"].read() as conn:
        actions = conn.execute(
            select(audit_log.c.entity_ids).where(audit_log.c.action == "entity.source")
        ).scalars().all()  # fmt: skip
    assert [json.loads(a) for a in actions] == [[entity]]


def test_an_ftm_value_leads_to_its_line(world: dict[str, Any]) -> None:
    alf = world["alf"]
    entity, st = _statement(alf, "Rasa Jonaitiene", "name", "Rasa Jonaitiene")
    got = alf.get(f"/api/entities/{entity}/statements/{st['id']}/source").json()
    assert got["locator"] == "stream-a.ftm.json:1"
    assert got["fields"]["id"] == "ftm-a-1"
    assert got["fields"]["properties.name.0"] == "Rasa Jonaitiene"
    assert json.loads(got["raw"])["schema"] == "Person"


def test_another_compartment_sees_nothing(world: dict[str, Any]) -> None:
    entity, st = _statement(world["alf"], "Jonas Petraitis", "name", "Jonas Petraitis")
    answer = world["bet"].get(f"/api/entities/{entity}/statements/{st['id']}/source")
    assert answer.status_code == 404
    assert "Petraitis" not in answer.text
    assert "people-a" not in answer.text
    # a statement id of another entity is not a way around it either
    _, other = _statement(world["alf"], "Ona Kazlauskiene", "name", "Ona Kazlauskiene")
    assert world["alf"].get(f"/api/entities/{entity}/statements/{other['id']}/source"
                            ).status_code == 404  # fmt: skip


def test_a_changed_or_missing_file_is_said_so(world: dict[str, Any]) -> None:
    alf = world["alf"]
    entity, st = _statement(alf, "Jonas Petraitis", "name", "Jonas Petraitis")
    url = f"/api/entities/{entity}/statements/{st['id']}/source"
    path = _source_path(world["store"], "people-a.csv")
    original = path.read_bytes()
    path.write_bytes(original.replace(b"Jonas", b"Janas"))  # same size, another content
    changed = alf.get(url)
    assert changed.status_code == 410, changed.text
    assert "has changed" in changed.json()["title"]
    path.unlink()
    gone = alf.get(url)
    assert gone.status_code == 410
    assert "no longer on the server" in gone.json()["title"]
    path.write_bytes(original)
    assert alf.get(url).json()["fields"]["name"] == "Jonas Petraitis"


def test_the_other_readers_find_their_record(tmp_path: Path) -> None:
    """Excel row, JSON item and XML element by the locators their readers write."""
    import openpyxl

    from pasienis.ingest.source_record import _read

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Officers"
    for row in (["id", "name"], ["1", "Jonas"], ["2", "Ona"]):
        sheet.append(row)
    book.save(tmp_path / "book.xlsx")
    got = _read(tmp_path / "book.xlsx", "excel", "book.xlsx", ":Officers:3")
    assert got == {"fields": {"id": "2", "name": "Ona"}}
    assert _read(tmp_path / "book.xlsx", "excel", "book.xlsx", ":Officers:9") is None

    (tmp_path / "d.json").write_text(json.dumps({"items": [{"a": 1}, {"a": 2, "b": {"c": "x"}}]}))
    got = _read(tmp_path / "d.json", "json", "d.json", "#items[1]")
    assert got is not None
    assert got["fields"] == {"a": 2, "b.c": "x"}

    (tmp_path / "d.xml").write_text(
        "<root xmlns='urn:x'>\n<rec id='1'><name>Jonas</name></rec>\n"
        "<rec id='2'><name>Ona</name></rec>\n</root>"
    )
    # a prefixed XPath as a mapping writes it (the file uses a default namespace)
    got = _read(tmp_path / "d.xml", "xml", "d.xml", "#/d:root/d:rec[2] (line 3)")
    assert got is not None
    assert got["fields"] == {"name": "Ona", "@id": "2"}
    assert "<name>Ona</name>" in got["raw"]
    assert _read(tmp_path / "d.xml", "xml", "d.xml", "#/d:root/d:rec[2] (line 9)") is None
