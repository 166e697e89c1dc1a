"""Issue 11 #16: ``/web/`` served every file of the package folder, Python sources included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.api.static import ASSET_SUFFIXES
from pasienis.config import Settings
from pasienis.store import Store
from pasienis.web import WEB_ROOT


@pytest.fixture
def client(sqlite_store: Store, base_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(base_settings, store=sqlite_store)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "path",
    [
        "/web/__init__.py",
        "/web/__init__.PY",
        "/web/vendor/leaflet/LICENSE",
        "/web/__pycache__/__init__.cpython-312.pyc",
        "/web/../api/app.py",
        "/web/%2e%2e/config.py",
    ],
)
def test_sources_and_other_files_are_not_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, path
    assert "WEB_ROOT" not in response.text


def test_every_asset_of_the_apps_is_served(client: TestClient) -> None:
    assets = [p for p in WEB_ROOT.rglob("*") if p.is_file() and p.suffix in ASSET_SUFFIXES]
    assert len(assets) > 20
    for asset in assets:
        url = "/web/" + asset.relative_to(WEB_ROOT).as_posix()
        assert client.get(url).status_code == 200, url
    assert client.get("/web/dispatch/").status_code == 200  # index.html of a folder
