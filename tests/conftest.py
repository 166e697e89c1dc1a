"""Shared fixtures: settings, the installed model, and ``store`` on SQLite and PostgreSQL.

Store tests are parametrised over both engines. PostgreSQL tests run on a throwaway database
created for this test run, each inside a transaction that is rolled back. In CI (``CI=true``)
a missing PostgreSQL is a failure, never a skip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from pasienis.config import Settings
from pasienis.model import install_model
from pasienis.store import Store, open_store, upgrade

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get(
    "PASIENIS_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def run_async[T](main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, also in a test process that has run a browser test: Playwright's
    sync API keeps its event loop running in the main thread for the whole session (the
    ``browser`` fixture), and ``asyncio.run`` refuses to start under a running loop. There the
    coroutine runs in a thread of its own, so no test depends on the order tests run in."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main)
    with ThreadPoolExecutor(1, thread_name_prefix="test-asyncio") as pool:
        return pool.submit(asyncio.run, main).result()


def service_missing(what: str, reason: object) -> None:
    """Skip outside CI; fail loudly in CI, where every service must be running."""
    message = f"{what} is not available: {reason}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at a per-run data directory."""
    return Settings(data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session", autouse=True)
def installed_model(base_settings: Settings) -> Path:
    """The assembled FtM model (standard + customs schemata) is installed for every test."""
    return install_model(base_settings)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    store = open_store(Settings(database_url=f"sqlite:///{path}"))
    upgrade(store)
    store.dispose()
    return path


def _throwaway_pg_database() -> Iterator[str]:
    """A new PostgreSQL database migrated to head; dropped afterwards."""
    name = f"pasienis_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        service_missing("PostgreSQL on 127.0.0.1:5432", exc)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    store = open_store(Settings(database_url=url))
    try:
        upgrade(store)
        store.dispose()
        yield url
    finally:  # also when migrating fails (e.g. PostGIS missing): leave no database behind
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this run, migrated to head, dropped at the end.

    Tests on it run inside one rolled-back transaction (``postgresql_store``); a test that
    commits for real (a live server) takes ``own_pg_url`` instead, so it leaves nothing that
    later tests would count."""
    yield from _throwaway_pg_database()


@pytest.fixture
def own_pg_url() -> Iterator[str]:
    """A PostgreSQL database of the test's own (for live servers that commit)."""
    yield from _throwaway_pg_database()


def _sqlite_store(template: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "pasienis.db"
    shutil.copyfile(template, path)
    store = open_store(Settings(database_url=f"sqlite:///{path}"))
    yield store
    store.dispose()


def _pg_store(url: str) -> Iterator[Store]:
    store = open_store(Settings(database_url=url))
    conn = store.engine.connect()
    outer = conn.begin()
    store.pinned = conn
    try:
        yield store
    finally:
        outer.rollback()
        conn.close()
        store.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def store(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store on each engine."""
    if request.param == "sqlite":
        yield from _sqlite_store(sqlite_template, tmp_path)
    else:
        yield from _pg_store(request.getfixturevalue("pg_url"))


@pytest.fixture
def sqlite_store(sqlite_template: Path, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty SQLite store (for tests that need a real file, e.g. the CLI)."""
    yield from _sqlite_store(sqlite_template, tmp_path)


@pytest.fixture
def postgresql_store(pg_url: str) -> Iterator[Store]:
    """A migrated PostgreSQL store in one rolled-back transaction, for engine-specific tests.

    Mark such tests ``postgresql``.
    """
    yield from _pg_store(pg_url)


@pytest.fixture
def cli(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """``cli("db", "indexes")`` runs the pasienis CLI against ``sqlite_store`` and returns its
    output; ``ok=False`` expects a non-zero exit. Tests add settings with ``monkeypatch``."""
    from typer.testing import CliRunner

    from pasienis.cli import app

    monkeypatch.setenv("PASIENIS_DATABASE_URL", str(sqlite_store.engine.url))
    monkeypatch.setenv("PASIENIS_DATA_DIR", str(tmp_path))
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> str:
        result = runner.invoke(app, list(args))
        assert (result.exit_code == 0) is ok, result.output
        return result.output

    return invoke
