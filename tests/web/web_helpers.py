"""Helpers of the browser tests: the seeded site, signing in, reporting a position."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Any

import httpx

from pasienis.config import Settings
from pasienis.ops import service as ops_service
from pasienis.security import Role
from pasienis.security.compartments import GranteeKind, ResourceKind, grant
from pasienis.security.credentials import create_token
from pasienis.security.users import create_user
from pasienis.store import open_store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
PASSWORD = "correct horse battery staple 42"
PHONE = {"latitude": 54.6401, "longitude": 25.7402, "accuracy": 6}


@dataclass
class Site:
    """A running server with accounts, two units and a device for ALFA-1."""

    url: str
    settings: Settings
    dispatcher_token: str
    device_id: str
    device_secret: str
    units: dict[str, str]

    def api(self, method: str, path: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.dispatcher_token}"}
        response = httpx.request(method, self.url + path, headers=headers, timeout=10, **kw)
        response.raise_for_status()
        return response.json() if response.content else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(settings: Settings) -> tuple[str, str, dict[str, str]]:
    store = open_store(settings)
    try:
        with store.begin() as conn:
            disp = create_user(conn, name="disp", roles=[Role.dispatcher], password=PASSWORD)
            # Plate reads and violations are read through grants, by dispatchers too.
            grant(conn, resource_kind=ResourceKind.dataset, resource="*",
                  grantee_kind=GranteeKind.user, grantee=disp.id, granted_by="test")  # fmt: skip
            create_user(conn, name="officer1", roles=[Role.field_officer], password=PASSWORD)
            token = create_token(conn, user_id=disp.id).secret
            alfa = ops_service.add_unit(conn, call_sign="ALFA-1", crew=["officer1"])
            bravo = ops_service.add_unit(conn, call_sign="BRAVO-2", crew=[])
            _device, secret = ops_service.add_device(conn, device_id="123456", unit_ref="ALFA-1")
    finally:
        store.dispose()
    return token, secret, {"ALFA-1": alfa["id"], "BRAVO-2": bravo["id"]}


def sign_in(page: Any, name: str) -> None:
    page.fill("#login-form input[name=name]", name)
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")


def report_position(site: Site, lat: float, lon: float) -> None:
    """A Traccar Client (OsmAnd) fix for the ALFA-1 device."""
    response = httpx.get(
        f"{site.url}/api/positions/osmand/{site.device_secret}",
        params={"id": site.device_id, "lat": lat, "lon": lon, "timestamp": int(time.time())},
        timeout=10,
    )
    response.raise_for_status()


def wait_for(predicate: Any, timeout: float = 20.0) -> Any:
    """Poll ``predicate`` until it returns something truthy (the server works asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def add_account(site: Site, name: str, roles: list[Role]) -> None:
    """Create an account with the shared test password (an administrator, an auditor...)."""
    store = open_store(site.settings)
    try:
        with store.begin() as conn:
            create_user(conn, name=name, roles=roles, password=PASSWORD)
    finally:
        store.dispose()


def phone(browser: Any) -> Any:
    """A browser context like a crew's phone: its size and a GPS position."""
    return browser.new_context(geolocation=PHONE, permissions=["geolocation"],
                               viewport={"width": 390, "height": 844})  # fmt: skip


def open_field_app(site: Site, browser: Any, *, language: str | None = None) -> tuple[Any, Any]:
    """The field app on a phone, signed in and paired by hand with ALFA-1's device, online."""
    context = phone(browser)
    if language:
        context.add_init_script(f"localStorage.setItem('pasienis.lang', '{language}')")
    page = context.new_page()
    page.goto(f"{site.url}/web/field/")
    sign_in(page, "officer1")
    page.click("#pair-manual summary")  # the by-hand path (pairing by link: test_field_pairing)
    page.fill("#pair-form input[name=device_id]", site.device_id)
    page.fill("#pair-form input[name=secret]", site.device_secret)
    page.click("#pair-form button[type=submit]")
    page.wait_for_selector("#conn.online")
    return context, page
