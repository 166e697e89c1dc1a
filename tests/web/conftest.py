"""Browser tests: a real server (uvicorn in a thread, SQLite file) and headless Chromium.

Chromium comes from Debian (/usr/bin/chromium, installed by .ci/run); Playwright drives it. In
CI a missing browser fails the run; elsewhere the tests skip.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from failure_artifacts import ConsoleLog, save
from web_helpers import CHROMIUM, CHROMIUM_ARGS, Site, free_port, seed

from pasienis.api import create_app
from pasienis.config import Settings


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path, base_settings: Settings) -> Iterator[Site]:
    db = tmp_path / "web.db"
    shutil.copyfile(sqlite_template, db)
    port = free_port()
    settings = base_settings.model_copy(update={
        "database_url": f"sqlite:///{db}", "ops_upload_dir": tmp_path / "uploads",
        "ops_public_url": f"http://127.0.0.1:{port}", "cookie_secure": False,
        "ops_mqtt_enabled": False,
    })  # fmt: skip
    token, secret, units = seed(settings)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", ws_ping_interval=None))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "server did not start"
    yield Site(f"http://127.0.0.1:{port}", settings, token, "123456", secret, units)
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        LAUNCHED.append((chromium, ConsoleLog(chromium)))
        yield chromium
        LAUNCHED.clear()
        chromium.close()


LAUNCHED: list[tuple[Any, ConsoleLog]] = []  # this worker's browser, once a test asked for it


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed browser test saves its pages' screenshots and console (failure_artifacts)."""
    report = yield
    uses_browser = "browser" in item.fixturenames
    if report.failed and call.when in ("setup", "call") and LAUNCHED and uses_browser:
        browser, log = LAUNCHED[0]
        folder = save(browser, log, item.nodeid, call.when)
        report.sections.append(("browser state", f"saved under {folder}"))
    return report
