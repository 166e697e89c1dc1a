"""Fixtures of the ops tests: an app on each engine, people with roles, a unit with a device."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ops_helpers import Crew, make_unit, person

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.security import Role
from pasienis.store import Store


@pytest.fixture
def ops_settings(base_settings: Settings, tmp_path: Path) -> Settings:
    return base_settings.model_copy(update={"ops_upload_dir": tmp_path / "uploads"})


@pytest.fixture
def client(store: Store, ops_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(ops_settings, store=store)) as test_client:
        yield test_client


@pytest.fixture
def crew(store: Store, client: TestClient) -> Crew:
    dispatcher = person(store, "disp", Role.dispatcher)
    officer = person(store, "officer1", Role.field_officer)
    other = person(store, "officer2", Role.field_officer)
    unit, secret = make_unit(store, "ALFA-1", "123456", crew=["officer1"], skills=["dog"])
    make_unit(store, "BRAVO-2", "654321", crew=["officer2"])
    return Crew(unit["id"], unit["call_sign"], "123456", secret, dispatcher, officer, other)


@pytest.fixture
def ingest_client(store: Store, ops_settings: Settings) -> Iterator[TestClient]:
    """The lean position-ingest process's app (``pasienis serve-ingest``) on the same store."""
    from pasienis.api.ingest_app import create_ingest_app

    with TestClient(create_ingest_app(ops_settings, store=store)) as test_client:
        yield test_client


@pytest.fixture(params=["api", "ingest"])
def device_client(request: pytest.FixtureRequest, client: TestClient) -> TestClient:
    """A client of either front end that serves the device position protocols."""
    if request.param == "api":
        return client
    return request.getfixturevalue("ingest_client")  # type: ignore[no-any-return]
