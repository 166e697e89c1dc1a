"""Helpers of the analyst page tests: a server with a per-test data folder and the test shell,
accounts (administrator + analyst, dispatcher), screenshots in both languages, axe-core."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi.staticfiles import StaticFiles
from web_helpers import PASSWORD, free_port

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.security import Role
from pasienis.security.compartments import GranteeKind, ResourceKind, grant
from pasienis.security.credentials import create_token
from pasienis.security.users import create_user
from pasienis.store import open_store

SHELL = Path(__file__).parent / "analyst_shell"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "analyst"
#: Set to write the guides' screenshots into docs/img (so they never drift from the screens).
DOCS_IMG_ENV = "PASIENIS_DOCS_SCREENSHOTS"


@dataclass
class AnalystSite:
    url: str
    settings: Settings
    tokens: dict[str, str]

    def api(self, method: str, path: str, who: str = "ana", **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", **kw.pop("headers", {})}
        response = httpx.request(method, self.url + path, headers=headers, timeout=30, **kw)
        response.raise_for_status()
        return response.json() if response.content else None


def _accounts(settings: Settings) -> dict[str, str]:
    store = open_store(settings)
    tokens = {}
    try:
        with store.begin() as conn:
            for name, roles in (("ana", [Role.analyst, Role.administrator]),
                                ("disp", [Role.dispatcher])):  # fmt: skip
                user = create_user(conn, name=name, roles=roles, password=PASSWORD)
                grant(conn, resource_kind=ResourceKind.dataset, resource="*",
                      grantee_kind=GranteeKind.user, grantee=user.id,
                      granted_by="test")  # fmt: skip
                tokens[name] = create_token(conn, user_id=user.id).secret
    finally:
        store.dispose()
    return tokens


@contextmanager
def serve(template: Path, tmp_path: Path, **overrides: Any) -> Iterator[AnalystSite]:
    """A real server on a free port with its own data folder, the pages and the test shell."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    db = tmp_path / "analyst.db"
    shutil.copyfile(template, db)
    port = free_port()
    settings = Settings(data_dir=data, database_url=f"sqlite:///{db}", cookie_secure=False,
                        ops_public_url=f"http://127.0.0.1:{port}", ops_mqtt_enabled=False,
                        search_index_interval_s=0.2, watch_screen_interval_s=0.2,
                        watch_ws_poll_s=0.1, **overrides)  # fmt: skip
    tokens = _accounts(settings)
    app = create_app(settings)
    app.mount("/test-shell", StaticFiles(directory=SHELL, html=True), name="test-shell")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           ws_ping_interval=None))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "server did not start"
    try:
        yield AnalystSite(f"http://127.0.0.1:{port}", settings, tokens)
    finally:
        server.should_exit = True
        thread.join(10)


def open_page(browser: Any, site: AnalystSite, page_hash: str, *, lang: str = "en",
              who: str = "ana") -> Any:  # fmt: skip
    """A signed-in page of the test shell at ``#/<page>`` in ``lang``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang)
    context.add_init_script(f"localStorage.setItem('pasienis.lang', '{lang}')")
    page = context.new_page()
    page.on("pageerror", lambda exc: print("page error:", exc))  # noqa: T201 - shown on failure
    page.goto(f"{site.url}/test-shell/{page_hash}")
    page.fill("#login-form input[name=name]", who)
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#shell:not([hidden])")
    return page


def shoot(page: Any, name: str, lang: str) -> None:
    """A screenshot under tests/artifacts (and docs/img when the env variable is set)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}.png"), full_page=False)
    if os.environ.get(DOCS_IMG_ENV):
        target = ROOT / "docs" / "img"
        target.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target / f"analyst-{name}-{lang}.png"), full_page=False)


def axe_violations(page: Any, selector: str = "#main") -> list[dict[str, Any]]:
    """Serious or critical axe-core findings inside ``selector``."""
    # From the app itself: the strict CSP refuses an inline copy.
    page.add_script_tag(url="/web/vendor/axe-core/axe.min.js")
    found = page.evaluate(
        "async (sel) => (await axe.run(sel, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))",
        selector,
    )
    return list(found)
