"""Dispatcher console: the server's snapshot after a reconnect, keyboard-only task creation (by
coordinates and by a known place) and assignment, and its strings in both languages."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from web_helpers import Site, report_position, sign_in, wait_for

from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.security.compartments import register_dataset
from pasienis.store import open_store

WEB = Path(__file__).resolve().parents[2] / "src" / "pasienis" / "web"
CATALOGS = {lang: json.loads((WEB / "i18n" / f"{lang}.json").read_text()) for lang in ("en", "lt")}
ASSIGNED = (
    "() => ['assigned', 'delivered']"
    ".includes(document.querySelector('#detail-status')?.dataset.status)"
)


def _console(site: Site, browser: Any, lang: str = "en") -> Any:
    context = browser.new_context()
    context.add_init_script(f"localStorage.setItem('pasienis.lang', '{lang}')")
    page = context.new_page()
    page.goto(f"{site.url}/web/dispatch/")
    sign_in(page, "disp")
    page.wait_for_selector("#conn.online")
    return page


def _task_ids(page: Any) -> set[str]:
    ids = page.eval_on_selector_all("#tasks li[data-task]", "ls => ls.map(l => l.dataset.task)")
    return set(ids)


def _tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus (keyboard only, no element.focus())."""
    for _ in range(limit):
        if page.evaluate(f"() => document.activeElement?.matches({selector!r}) ?? false"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus by Tab")


@pytest.mark.browser
def test_after_a_reconnect_the_snapshot_is_the_task_list(site: Site, browser: Any) -> None:
    gone = site.api("POST", "/api/tasks", json={
        "lat": 55.0, "lon": 24.0, "category": "patrol", "description": "gone"})  # fmt: skip
    kept = site.api("POST", "/api/tasks", json={
        "lat": 55.1, "lon": 24.1, "category": "other", "description": "kept"})  # fmt: skip
    context = browser.new_context()
    page = context.new_page()
    sockets: list[Any] = []
    passing = {"on": True}

    def route(ws: Any) -> None:
        if not passing["on"]:
            ws.close()  # the network is down: the console retries with back-off
            return
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket("**/api/ops/ws/dispatch", route)
    page.goto(f"{site.url}/web/dispatch/")
    sign_in(page, "disp")
    page.wait_for_selector("#conn.online")
    page.wait_for_function("() => document.querySelectorAll('#tasks li[data-task]').length == 2")
    assert _task_ids(page) == {gone["id"], kept["id"]}

    passing["on"] = False
    sockets[-1].close()
    page.wait_for_selector("#conn.offline")
    # While the console is away: one task ends, one is assigned, one is new. None of it is
    # pushed to this console; only the snapshot on reconnecting can tell it.
    cancel = {"status": "cancelled", "reason": "called off"}
    site.api("POST", f"/api/tasks/{gone['id']}/status", json=cancel)
    site.api("POST", f"/api/tasks/{kept['id']}/assign", json={"unit": "ALFA-1"})
    new = site.api("POST", "/api/tasks", json={"lat": 55.2, "lon": 24.2, "priority": 1,
                                                "category": "vehicle_stop",
                                                "description": "made while away"})  # fmt: skip
    page.wait_for_timeout(500)
    assert _task_ids(page) == {gone["id"], kept["id"]}, "nothing reached the console meanwhile"

    passing["on"] = True
    page.wait_for_selector("#conn.online", timeout=30_000)
    page.wait_for_function(
        f"() => !document.querySelector('#tasks li[data-task=\"{gone['id']}\"]')"
        f" && document.querySelector('#tasks li[data-task=\"{new['id']}\"]')"
    )
    assert _task_ids(page) == {kept["id"], new["id"]}
    items = page.locator("#tasks li[data-task]")
    assert items.nth(0).get_attribute("data-task") == new["id"], "priority 1 comes first"
    assert "made while away" in items.nth(0).text_content()
    assert "vehicle stop" in items.nth(0).text_content()
    kept_text = page.text_content(f"#tasks li[data-task='{kept['id']}']")
    assert "ALFA-1" in kept_text
    assert "assigned" in kept_text or "delivered" in kept_text
    context.close()


@pytest.mark.browser
def test_keyboard_only_task_by_coordinates_then_assignment(site: Site, browser: Any) -> None:
    report_position(site, 54.70, 25.30)
    page = _console(site, browser)
    page.wait_for_selector("#units li[data-unit]")
    _tab_to(page, "#create-open")
    page.keyboard.press("Enter")
    page.wait_for_selector("#create:not([hidden])")
    assert page.evaluate("() => document.activeElement.name") == "place"
    page.keyboard.press("Tab")
    page.keyboard.type("54.6872")
    page.keyboard.press("Tab")
    page.keyboard.type("25.2797")
    assert page.inner_text("#create-where") == "54.6872, 25.2797"
    page.keyboard.press("Tab")  # category
    page.keyboard.press("ArrowDown")  # vehicle stop → person check
    page.keyboard.press("Tab")  # priority
    page.keyboard.press("Home")  # 1 — urgent
    page.keyboard.press("Tab")
    page.keyboard.type("Check the van at the market")
    page.keyboard.press("Tab")  # the submit button
    page.keyboard.press("Enter")
    page.wait_for_selector("#suggestions .suggestion button")
    # The first suggestion has the focus: Enter assigns it.
    assert page.evaluate("() => document.activeElement.dataset.unit") == site.units["ALFA-1"]
    page.keyboard.press("Enter")
    page.wait_for_function(ASSIGNED)
    task = wait_for(lambda: [t for t in site.api("GET", "/api/tasks")
                             if t["description"] == "Check the van at the market"])[0]  # fmt: skip
    assert (task["lat"], task["lon"]) == (54.6872, 25.2797)
    assert (task["category"], task["priority"]) == ("person_check", 1)
    assert task["unit_id"] == site.units["ALFA-1"]
    page.context.close()


def _seed_checkpoint(site: Site) -> None:
    store = open_store(site.settings)
    rows = entity_statements(
        "checkpoint-medininkai",
        "BorderCheckpoint",
        {"name": "Medininkai", "code": "MED", "latitude": "54.5386", "longitude": "25.6497"},
        Provenance("scenario_crossings", datetime(2026, 9, 1, tzinfo=UTC)),
    )
    try:
        with store.begin() as conn:
            register_dataset(conn, name="scenario_crossings")
            write_statements(store, conn, rows)
    finally:
        store.dispose()


@pytest.mark.browser
def test_task_at_a_known_place_or_typed_coordinates(site: Site, browser: Any) -> None:
    _seed_checkpoint(site)
    page = _console(site, browser)
    page.keyboard.press("Tab")
    _tab_to(page, "#create-open")
    page.keyboard.press("Enter")
    page.wait_for_selector("#create-places option[value='Medininkai']", state="attached")
    page.keyboard.type("Nowhere-upon-Nemunas")
    page.keyboard.press("Enter")
    assert "Nowhere-upon-Nemunas" in page.inner_text("#create-place-note")
    assert page.input_value("#create-form input[name=lat]") == ""
    page.fill("#create-form input[name=place]", "")
    page.keyboard.type("medininkai")  # any case
    page.keyboard.press("Enter")  # picks the place; the form is not sent
    assert page.input_value("#create-form input[name=lat]") == "54.5386"
    assert page.input_value("#create-form input[name=lon]") == "25.6497"
    assert "checkpoint: Medininkai" in page.inner_text("#create-place-note")
    assert page.locator("#create:not([hidden])").count() == 1
    page.fill("#create-form input[name=place]", "54,70 25,31")  # decimal commas, a space between
    page.keyboard.press("Enter")
    assert page.inner_text("#create-where") == "54.7, 25.31"
    page.fill("#create-form input[name=place]", "Medininkai")
    page.keyboard.press("Enter")
    page.fill("#create-form textarea[name=description]", "At the checkpoint")
    page.click("#create-form button[type=submit]")
    page.wait_for_selector("#detail:not([hidden])")
    task = wait_for(lambda: [t for t in site.api("GET", "/api/tasks")
                             if t["description"] == "At the checkpoint"])[0]  # fmt: skip
    assert (task["lat"], task["lon"]) == (54.5386, 25.6497)
    # Escape closes an opened form and gives the focus back to the button that opened it.
    page.keyboard.press("Escape")  # nothing open: no effect
    page.click("#create-open")
    page.keyboard.press("Escape")
    assert page.locator("#create[hidden]").count() == 1
    assert page.evaluate("() => document.activeElement.id") == "create-open"
    page.context.close()


@pytest.mark.browser
def test_the_console_speaks_lithuanian(site: Site, browser: Any) -> None:
    report_position(site, 54.70, 25.30)
    task = site.api("POST", "/api/tasks", json={"lat": 54.7, "lon": 25.3, "priority": 1,
                                                 "category": "smuggling_check",
                                                 "description": "Patikra"})  # fmt: skip
    page = _console(site, browser, lang="lt")
    options = page.eval_on_selector_all(
        "#create-form select option", "os => os.map(o => [o.value, o.textContent])"
    )
    assert ["person_check", "asmens patikrinimas"] in options
    assert ["1", "1 — skubu"] in options
    assert ["5", "5 — neskubu"] in options
    unit = page.wait_for_selector("#units li[data-unit] .badge")
    assert unit.inner_text() == "laisvas"
    item = page.wait_for_selector(f"#tasks li[data-task='{task['id']}']")
    assert "kontrabandos patikrinimas" in item.inner_text()
    assert "sukurta" in item.inner_text()
    item.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail-status")
    assert page.inner_text("#detail-status") == "sukurta"
    assert page.get_attribute("#detail-status", "data-status") == "created"
    assert "kontrabandos patikrinimas" in page.inner_text("#detail h2")
    assert page.get_attribute("#map", "aria-label").startswith("Žemėlapis")
    page.context.close()


def _dispatch_keys() -> set[str]:
    page = (WEB / "dispatch" / "index.html").read_text()
    keys = set(re.findall(r'data-i18n(?:-placeholder|-aria-label)?="([^"]+)"', page))
    for script in (WEB / "dispatch").glob("*.js"):
        keys |= set(re.findall(r'\bt\("([a-z_.]+)"', script.read_text()))
    return keys


@pytest.mark.parametrize("lang", ["en", "lt"])
def test_console_strings_are_in_the_catalog(lang: str) -> None:
    keys = _dispatch_keys()
    assert {"category.vehicle_stop", "priority.1", "task.place", "alarm.acknowledge"} <= keys
    missing = sorted(k for k in keys if k not in CATALOGS[lang])
    assert not missing, f"{lang}.json lacks {missing}"


def test_every_option_of_the_console_is_translated() -> None:
    page = (WEB / "dispatch" / "index.html").read_text()
    options = re.findall(r"<option ([^>]*)>", page)
    languages = ('value="en"', 'value="lt"')  # the language switch names each in itself
    untranslated = [o for o in options if "data-i18n" not in o and o not in languages]
    assert options
    assert not untranslated, untranslated
    script = (WEB / "dispatch" / "app.js").read_text()
    for kind in ("category", "status", "unit_status", "priority"):
        assert f'label("{kind}"' in script, kind


@pytest.mark.browser
def test_a_live_task_update_keeps_the_keyboard_focus(site: Site, browser: Any) -> None:
    first = site.api("POST", "/api/tasks", json={
        "lat": 55.0, "lon": 24.0, "category": "patrol", "description": "first"})  # fmt: skip
    second = site.api("POST", "/api/tasks", json={
        "lat": 55.1, "lon": 24.1, "category": "other", "description": "second"})  # fmt: skip
    page = _console(site, browser)
    page.wait_for_function("() => document.querySelectorAll('#tasks li[data-task]').length == 2")
    _tab_to(page, f"#tasks li[data-task='{first['id']}']")
    page.evaluate(
        f"() => window.item = document.querySelector('#tasks li[data-task=\"{second['id']}\"]')"
    )
    site.api("POST", f"/api/tasks/{second['id']}/assign", json={"unit": "ALFA-1"})
    page.wait_for_function(
        f"() => document.querySelector('#tasks li[data-task=\"{second['id']}\"] .badge.status')"
        "?.dataset.status !== 'created'"
    )
    # The item the dispatcher is on keeps the focus; the changed one was redrawn in place.
    assert page.evaluate("() => document.activeElement.dataset.task") == first["id"]
    assert page.evaluate(
        f"() => window.item === document.querySelector('#tasks li[data-task=\"{second['id']}\"]')"
    )
    assert "ALFA-1" in page.text_content(f"#tasks li[data-task='{second['id']}']")
    page.context.close()
