"""The mapping tools and retraction over HTTP, as the browser import page will use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.ingest import parse_mapping, run_import
from pasienis.security import Role
from pasienis.security.provision import provision
from pasienis.store import Store

CSV = ("id;name;born;amount\n1;Jonas;1980.02.01;12,5\n2;Ona Žukauskienė;1985.03.04;3,25\n").encode(
    "cp1257"
)
MAPPING = """
dataset: people
source: {format: csv, encoding: cp1257, delimiter: ";"}
entities:
  person:
    schema: Person
    key: [id]
    properties: {name: name, birthDate: {column: born, transforms: [{date: "%Y.%m.%d"}]}}
"""


@pytest.fixture
def tokens(sqlite_store: Store) -> dict[str, str]:
    with sqlite_store.begin() as conn:
        return {
            "admin": provision(conn, name="admin", roles=[Role.administrator], datasets=["*"]),
            "analyst": provision(conn, name="analyst", roles=[Role.analyst], datasets=["people"]),
        }


@pytest.fixture
def client(sqlite_store: Store, base_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(base_settings, store=sqlite_store)) as test_client:
        yield test_client


def _files(mapping: str = MAPPING) -> dict:  # type: ignore[type-arg]
    return {"file": ("people.csv", CSV, "text/csv"), "mapping": ("m.yml", mapping.encode())}


def _as(who: str, tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


def test_check_preview_and_draft(client: TestClient, tokens: dict[str, str]) -> None:
    admin = _as("admin", tokens)
    checked = client.post("/api/mappings/check", files=_files(), headers=admin)
    assert checked.status_code == 200, checked.text
    assert checked.json()["ok"] is True
    wrong = client.post(
        "/api/mappings/check", files=_files(MAPPING.replace("name: name", "name: nam")),
        headers=admin,
    )  # fmt: skip
    assert wrong.json()["ok"] is False
    assert "did you mean 'name'" in wrong.json()["problems"][0]
    shown = client.post("/api/mappings/preview", files=_files(), data={"rows": "1"}, headers=admin)
    [record] = shown.json()["records"]
    assert record["entities"][0]["properties"]["birthDate"] == ["1980-02-01"]
    drafted = client.post(
        "/api/mappings/draft", files={"file": ("people.csv", CSV)}, headers=admin
    ).json()
    assert drafted["source"] == {"format": "csv", "encoding": "cp1257", "delimiter": ";"}
    amount = next(c for c in drafted["columns"] if c["name"] == "amount")
    assert (amount["type"], amount["format"]) == ("number", "decimal comma")


def test_a_bad_mapping_is_a_422_not_a_500(client: TestClient, tokens: dict[str, str]) -> None:
    broken = client.post(
        "/api/mappings/check", files=_files("dataset: [unclosed"), headers=_as("admin", tokens)
    )
    assert broken.status_code == 422
    assert broken.headers["content-type"].startswith("application/problem+json")


def test_only_administrators(client: TestClient, tokens: dict[str, str]) -> None:
    analyst = _as("analyst", tokens)
    for route in ("check", "preview", "draft"):
        assert (
            client.post(f"/api/mappings/{route}", files=_files(), headers=analyst).status_code
            == 403
        )
    assert client.post("/api/imports/abc/retract", headers=analyst).status_code == 403


def test_retract_and_restore(
    client: TestClient, tokens: dict[str, str], sqlite_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(CSV)
    run = run_import(sqlite_store, source=path, mapping=parse_mapping(MAPPING, name="m.yml")).run
    admin = _as("admin", tokens)
    done = client.post(
        f"/api/imports/{run['id'][:8]}/retract", data={"reason": "test"}, headers=admin
    )
    assert done.status_code == 200, done.text
    assert done.json()["retracted"] is True
    assert client.get(f"/api/imports/{run['id']}", headers=admin).json()["retracted"] is True
    back = client.post(f"/api/imports/{run['id']}/restore", headers=admin)
    assert back.json()["retracted"] is False
    assert client.post("/api/imports/nosuchrun/retract", headers=admin).status_code == 404
