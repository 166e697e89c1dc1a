"""Field app in headless Chromium: pairing a phone by the one-time link the admin app shows as a
QR code, and an outbox replay after a lost answer that does not record the note twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from web_helpers import Site, add_account, open_field_app, phone, sign_in

from pasienis.security import Role

pytestmark = pytest.mark.browser


def pump_until(page: Any, predicate: Any, tries: int = 200) -> None:
    """Wait inside Playwright (route handlers only run while it is called), up to ~20 s."""
    for _ in range(tries):
        if predicate():
            return
        page.wait_for_timeout(100)
    raise AssertionError("condition not met in time")


def admin_pairing(site: Site, browser: Any) -> dict[str, str]:
    """Pair ALFA-1's device in the admin app; what its QR codes hold."""
    add_account(site, "admin1", [Role.administrator])
    context = browser.new_context()
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{site.url}/web/admin/")
    sign_in(page, "admin1")
    page.click("button[data-tab=devices]")
    page.click(f"tr[data-device='{site.device_id}'] button.pair")
    page.wait_for_selector("#device-pairing:not([hidden])")
    codes = {
        name: page.get_attribute(f"#qr-{name} svg.qr", "data-text")
        for name in ("pair", "owntracks", "traccar")
    }
    for name in codes:  # a drawn code, not an empty box
        assert len(page.get_attribute(f"#qr-{name} svg.qr path", "d") or "") > 500
    codes["link"] = page.inner_text("#pair-link")
    codes["traccar_id"] = page.inner_text("#pair-traccar-id")
    context.close()
    return codes


def test_pairing_by_link_from_the_admin_qr(site: Site, browser: Any) -> None:
    codes = admin_pairing(site, browser)
    assert codes["pair"] == codes["link"]
    assert codes["link"].startswith(f"{site.url}/web/field/#pair=ppt_")
    assert codes["owntracks"].startswith("owntracks:///config?inline=")
    assert codes["traccar"].startswith(f"{site.url}/api/positions/osmand/")
    assert codes["traccar_id"] == site.device_id

    context = phone(browser)
    page = context.new_page()
    page.goto(codes["link"])  # what the phone's camera app opens from the QR code
    sign_in(page, "officer1")
    page.wait_for_selector("#conn.online")
    assert page.inner_text("#callsign") == "ALFA-1"
    assert page.evaluate("location.hash") == "", "the token leaves the address bar at once"
    assert page.is_visible("#paired-setup")
    assert page.get_attribute("#owntracks-link", "href") == codes["owntracks"]
    assert page.inner_text("#traccar-url") == codes["traccar"]
    stored = page.evaluate("JSON.parse(localStorage.getItem('pasienis.device'))")
    assert stored["device_id"] == site.device_id
    assert codes["traccar"].endswith("/" + stored["secret"])
    # The phone's credentials work for positions; the secret from before pairing does not.
    fix = {"id": site.device_id, "lat": 54.64, "lon": 25.74, "timestamp": 1764590000}
    ok = httpx.get(f"{site.url}/api/positions/osmand/{stored['secret']}", params=fix)
    old = httpx.get(f"{site.url}/api/positions/osmand/{site.device_secret}", params=fix)
    assert (ok.status_code, old.status_code) == (200, 401)
    context.close()

    # The link is spent: a second phone opening it is told so and gets nothing.
    second = phone(browser)
    page = second.new_page()
    page.goto(codes["link"])
    sign_in(page, "officer1")
    page.wait_for_selector("#pair .error:text('Pairing failed')")
    assert page.evaluate("localStorage.getItem('pasienis.device')") is None
    second.close()


def test_pairing_by_pasted_link(site: Site, browser: Any) -> None:
    codes = admin_pairing(site, browser)
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{site.url}/web/field/")
    sign_in(page, "officer1")
    page.wait_for_selector("#pair-link-form")
    page.fill("#pair-link-form input[name=link]", "not a link")
    page.click("#pair-link-form button[type=submit]")
    page.wait_for_selector("#pair .error:text('not a pairing link')")
    page.fill("#pair-link-form input[name=link]", codes["link"])
    page.click("#pair-link-form button[type=submit]")
    page.wait_for_selector("#conn.online")
    assert page.inner_text("#callsign") == "ALFA-1"
    context.close()


def test_outbox_replay_after_a_lost_answer_records_one_note(site: Site, browser: Any) -> None:
    context, page = open_field_app(site, browser)
    task = site.api("POST", "/api/tasks", json={
        "lat": 54.6412, "lon": 25.7453, "category": "vehicle_stop", "priority": 1,
        "description": "Check van LV AB-1234", "unit": "ALFA-1"})  # fmt: skip
    card = f"article[data-task='{task['id']}']"
    page.wait_for_selector(card)

    sent: list[dict[str, Any]] = []

    def lose_first_answer(route: Any) -> None:
        response = route.fetch()  # the server gets the note and records it ...
        sent.append({"key": route.request.headers.get("idempotency-key"),
                     "status": response.status,
                     "replayed": response.headers.get("idempotent-replayed")})  # fmt: skip
        if len(sent) == 1:
            route.abort("connectionreset")  # ... and the phone never hears back
        else:
            route.fulfill(response=response)

    page.route("**/api/tasks/*/notes", lose_first_answer)
    page.fill(f"{card} input[name=note]", "driver nervous")
    page.click(f"{card} button[data-note]")
    pump_until(page, lambda: len(sent) == 1)
    page.wait_for_function("() => !document.querySelector('#outbox-count').hidden")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # the outbox tries again
    pump_until(page, lambda: len(sent) == 2)
    page.wait_for_selector("#outbox-count[hidden]", state="attached")

    assert sent[0]["key"], "every queued action carries an Idempotency-Key"
    assert sent[1]["key"] == sent[0]["key"], "a replay sends the same key"
    assert (sent[0]["status"], sent[1]["status"]) == (201, 201)
    assert (sent[0]["replayed"], sent[1]["replayed"]) == (None, "true")
    notes = [e for e in site.api("GET", f"/api/tasks/{task['id']}/events") if e["kind"] == "note"]
    assert len(notes) == 1, notes
    context.close()


def test_lithuanian_goods_statuses_and_plural_outbox_count(site: Site, browser: Any) -> None:
    context, page = open_field_app(site, browser, language="lt")
    task = site.api("POST", "/api/tasks", json={
        "lat": 54.6412, "lon": 25.7453, "category": "vehicle_stop", "priority": 1,
        "description": "Patikra", "unit": "ALFA-1"})  # fmt: skip
    card = f"article[data-task='{task['id']}']"
    page.wait_for_selector(card)
    goods = page.eval_on_selector_all(
        "#complete-form select[name=category] option", "os => os.map(o => [o.value, o.text])"
    )
    assert ["cigarettes", "cigaretės"] in goods
    assert ["cash", "grynieji pinigai"] in goods
    context.set_offline(True)
    for text in ("pirma", "antra"):
        page.fill(f"{card} input[name=note]", text)
        page.click(f"{card} button[data-note]")
    page.wait_for_function("() => document.querySelector('#outbox-count').textContent"
                           ".startsWith('2 ')")  # fmt: skip
    assert page.inner_text("#outbox-count") == "2 pakeitimai laukia išsiuntimo"  # "few"
    badge = page.inner_text(f"{card} .badge.status")
    assert badge in {"priskirta", "pristatyta"}  # translated, not the code
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#outbox-count[hidden]", state="attached")
    context.close()
