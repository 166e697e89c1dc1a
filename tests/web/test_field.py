"""Field app in headless Chromium: receive a task, acknowledge, complete with a violation
report at the phone's GPS position, and an offline outbox that syncs when the network returns."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from web_helpers import Site, open_field_app, sign_in, wait_for

from pasienis.model.events import violations
from pasienis.store import open_store

pytestmark = pytest.mark.browser


def task_status(site: Site, task_id: str) -> str:
    return site.api("GET", f"/api/tasks/{task_id}")["status"]


def new_task(site: Site, text: str) -> dict[str, Any]:
    return site.api("POST", "/api/tasks", json={
        "lat": 54.6412, "lon": 25.7453, "category": "vehicle_stop", "priority": 1,
        "description": text, "unit": "ALFA-1"})  # fmt: skip


def test_receive_acknowledge_and_complete_with_violation(site: Site, browser: Any) -> None:
    context, page = open_field_app(site, browser)
    task = new_task(site, "Stop truck BY 1234 AB-7 near Medininkai")
    card = page.wait_for_selector(f"article[data-task='{task['id']}']")
    assert "Medininkai" in card.inner_text()
    assert " m" in card.inner_text(), "distance from the phone is shown"
    assert card.query_selector("a[href^='geo:54.6412,25.7453']"), "navigate link"
    wait_for(lambda: task_status(site, task["id"]) == "delivered")

    page.click(f"article[data-task='{task['id']}'] button[data-to=acknowledged]")
    wait_for(lambda: task_status(site, task["id"]) == "acknowledged")
    page.click(f"article[data-task='{task['id']}'] button[data-to=en_route]")
    page.click(f"article[data-task='{task['id']}'] button[data-to=on_scene]")
    wait_for(lambda: task_status(site, task["id"]) == "on_scene")

    page.click(f"article[data-task='{task['id']}'] button[data-to=completed]")
    page.fill("#complete-form textarea[name=outcome]", "20 cartons of cigarettes seized")
    page.check("#complete-form input[name=has_violation]")
    page.select_option("#complete-form select[name=category]", "cigarettes")
    page.fill("#complete-form input[name=quantity]", "200")
    page.fill("#complete-form input[name=unit_of_measure]", "packs")
    page.fill("#complete-form input[name=value_eur]", "1100")
    assert "54.640100" in page.inner_text("#violation-where")
    page.click("#complete-submit")
    wait_for(lambda: task_status(site, task["id"]) == "completed")

    store = open_store(site.settings)
    with store.read() as conn:
        row = conn.execute(select(violations)).one()
    store.dispose()
    assert (row.category, row.quantity, row.value_eur) == ("cigarettes", 200.0, 1100.0)
    assert (round(row.lat, 4), round(row.lon, 4)) == (54.6401, 25.7402), "the phone's GPS fix"
    assert row.found_by == "ALFA-1"
    context.close()


def test_offline_outbox_syncs_when_the_network_returns(site: Site, browser: Any) -> None:
    context, page = open_field_app(site, browser)
    task = new_task(site, "Check van LV AB-1234")
    page.wait_for_selector(f"article[data-task='{task['id']}']")
    wait_for(lambda: task_status(site, task["id"]) == "delivered")

    context.set_offline(True)
    page.click(f"article[data-task='{task['id']}'] button[data-to=acknowledged]")
    page.wait_for_selector(f"article[data-task='{task['id']}'] button[data-to=en_route]")
    page.fill(f"article[data-task='{task['id']}'] input[name=note]", "driver nervous")
    page.click(f"article[data-task='{task['id']}'] button[data-note]")
    # The badge is counted after a flush tried the acknowledgement and kept it: had it reached
    # the server, the flush would have dropped it from the outbox.
    page.wait_for_function(
        "() => document.querySelector('#outbox-count').textContent.includes('2')"
    )
    assert task_status(site, task["id"]) == "delivered", "nothing reached the server offline"
    shown = page.get_attribute(f"article[data-task='{task['id']}'] .status", "data-status")
    assert shown == "acknowledged", "the crew sees its own unsent change"

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_for(lambda: task_status(site, task["id"]) == "acknowledged")
    page.wait_for_selector("#outbox-count[hidden]", state="attached")
    events = site.api("GET", f"/api/tasks/{task['id']}/events")
    assert any(e.get("kind") == "note" and "nervous" in str(e) for e in events)
    context.close()


def test_a_list_read_before_a_pushed_task_arrived_does_not_erase_it(
    site: Site, browser: Any
) -> None:
    """Under load the task list can be answered after a task pushed meanwhile: the card must
    stay. It used to vanish until the next refresh, which offline never came (the flake of
    test_offline_outbox_syncs_when_the_network_returns: its click found no card)."""
    context, page = open_field_app(site, browser)
    page.wait_for_load_state("networkidle")  # the refresh after the welcome has been answered
    held: list[tuple[Any, Any]] = []

    def read_now_answer_later(route: Any) -> None:
        held.append((route, route.fetch()))

    page.route(f"{site.url}/api/tasks", read_now_answer_later)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # the app refreshes its list
    while not held:
        page.wait_for_timeout(20)  # lets Playwright run the route handler
    task = new_task(site, "Pushed while the list was on its way")
    card = f"#tasks article[data-task='{task['id']}']"
    page.wait_for_selector(card)
    page.evaluate("document.querySelectorAll('#tasks > *').forEach((e) => { e.dataset.old = 1 })")
    route, response = held[0]
    route.fulfill(response=response)
    page.wait_for_function("() => !document.querySelector('#tasks > [data-old]')")  # rendered
    assert page.locator(card).count() == 1, "the pushed task is still shown"
    context.close()


def test_the_note_field_is_labelled_and_the_secret_is_hidden(site: Site, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{site.url}/web/field/")
    sign_in(page, "officer1")
    page.click("#pair-manual summary")
    secret = page.get_by_label("Secret", exact=True)
    assert secret.get_attribute("type") == "password"  # typed on a phone in public: not shown
    page.get_by_label("Device id", exact=True).fill(site.device_id)
    secret.fill(site.device_secret)
    page.click("#pair-form button[type=submit]")
    page.wait_for_selector("#conn.online")
    task = new_task(site, "Labelled")
    page.wait_for_selector(f"article[data-task='{task['id']}']")
    # A screen reader names the note field (a placeholder alone disappears once typed into).
    note = page.get_by_label("Note", exact=True)
    assert note.count() == 1
    note.fill("seen from the road")
    assert page.get_by_role("textbox", name="Note").input_value() == "seen from the road"
    context.close()


def test_the_map_shows_the_shared_base_map_the_tasks_and_the_phone(
    site: Site, browser: Any
) -> None:
    context, page = open_field_app(site, browser)
    task = new_task(site, "On the map")
    page.wait_for_selector(f"article[data-task='{task['id']}']")
    assert page.locator("#field-map.leaflet-container").count() == 0, "nothing until opened"
    page.click("#map-box summary")
    # web/common/basemap.js: the server's base map (here the offline fallback with borders).
    page.wait_for_selector("#field-map[data-basemap=fallback]")
    page.wait_for_selector("#field-map path.basemap-land", state="attached")
    page.wait_for_selector("#field-map path.field-task", state="attached")
    assert page.locator("#field-map path.field-task").count() == 1
    page.wait_for_selector("#field-map .field-me")
    second = new_task(site, "Another")
    page.wait_for_selector(f"article[data-task='{second['id']}']")
    page.wait_for_function(
        "() => document.querySelectorAll('#field-map path.field-task').length == 2"
    )
    context.close()
