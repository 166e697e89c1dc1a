"""Dispatcher console under live events: trusted positions only, keyboard use, failed assign."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import httpx
import pytest
from web_helpers import Site, report_position, sign_in

pytestmark = pytest.mark.browser

DRAWN = (
    "() => { const li = document.querySelector('#units li[data-lat]');"
    " return li ? [+li.dataset.lat, +li.dataset.lon] : []; }"
)


def _fix(site: Site, lat: float, lon: float, at: int) -> None:
    httpx.get(
        f"{site.url}/api/positions/osmand/{site.device_secret}",
        params={"id": site.device_id, "lat": lat, "lon": lon, "timestamp": at},
        timeout=10,
    ).raise_for_status()


# Every tone the page starts: its time, pitch and whether the audio context was running
# (a suspended context, before any user gesture, makes no sound).
TONES = """
window.__tones = [];
const NativeAudio = window.AudioContext;
window.AudioContext = class extends NativeAudio {
  createOscillator() {
    const tone = super.createOscillator();
    const start = tone.start.bind(tone);
    tone.start = (...args) => {
      window.__tones.push({ at: performance.now(), hz: tone.frequency.value, state: this.state });
      return start(...args);
    };
    return tone;
  }
};
"""


def _console(site: Site, browser: Any) -> Any:
    page = browser.new_page()
    page.add_init_script(TONES)
    page.goto(f"{site.url}/web/dispatch/")
    sign_in(page, "disp")
    page.wait_for_selector("#conn.online")
    return page


def test_a_flagged_fix_does_not_move_the_live_marker(site: Site, browser: Any) -> None:
    page = _console(site, browser)
    now = int(time.time())
    _fix(site, 54.69, 25.28, now - 60)
    page.wait_for_function(f"() => ({DRAWN})()[0] === 54.69")
    # Every place the unit is drawn at from now on (its marker is set from the same values).
    page.evaluate(
        f"""() => {{ window.moves = [];
        const item = document.querySelector("#units li[data-unit='{site.units["ALFA-1"]}']");
        new MutationObserver(() => window.moves.push([+item.dataset.lat, +item.dataset.lon]))
          .observe(item, {{ attributes: true, attributeFilter: ['data-lat', 'data-lon'] }}); }}"""
    )
    _fix(site, 56.30, 21.00, now - 59)  # 300 km in a second: too_fast
    _fix(site, 54.70, 25.29, now - 30)  # a good fix after it: the marker moves to this one
    page.wait_for_function(f"() => ({DRAWN})()[0] === 54.70")
    track = site.api("GET", f"/api/ops/units/{site.units['ALFA-1']}/track")
    assert [p["flags"] for p in track] == ["", "too_fast", ""]
    moves = page.evaluate("() => window.moves")
    assert moves, "the good fix was drawn"
    for lat, lon in moves:  # never at the flagged fix
        assert (lat, lon) in {(54.69, 25.28), (54.70, 25.29)}, (lat, lon)


def test_keyboard_opens_a_task_and_a_failed_assignment_can_be_retried(
    site: Site, browser: Any
) -> None:
    report_position(site, 55.20, 23.90)
    site.api(
        "POST",
        "/api/tasks",
        json={"lat": 55.0, "lon": 24.0, "category": "vehicle_stop", "description": "kb task"},
    )
    page = _console(site, browser)
    item = page.wait_for_selector("#tasks li[data-task]")
    assert item.get_attribute("tabindex") == "0"
    item.focus()
    page.keyboard.press("Enter")
    button = page.wait_for_selector("#suggestions .suggestion button")
    page.route("**/assign", lambda route: route.fulfill(status=500, body="boom"))
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#suggestions .error")
    page.wait_for_function(
        "() => !document.querySelector('#suggestions .suggestion button').disabled"
    )
    page.unroute("**/assign")
    page.keyboard.press("Enter")  # the button kept the focus: try again, now it works
    page.wait_for_function(
        "() => ['assigned', 'delivered']"
        ".includes(document.querySelector('#detail-status')?.dataset.status)"
    )
    assert "ALFA-1" in page.inner_text("#detail")


def test_an_sos_alarms_until_acknowledged_and_the_acknowledgement_is_audited(
    site: Site, browser: Any
) -> None:
    from sqlalchemy import select

    from pasienis.security.models import audit_log
    from pasienis.store import open_store

    page = _console(site, browser)
    other = _console(site, browser)  # a second dispatcher's console
    httpx.get(
        f"{site.url}/api/positions/osmand/{site.device_secret}",
        params={"id": site.device_id, "lat": 54.70, "lon": 25.29, "alarm": "sos",
                "timestamp": int(time.time())},
        timeout=10,
    ).raise_for_status()  # fmt: skip
    for console in (page, other):
        console.wait_for_selector("#alarms .badge.sos.alarming")
    page.click("#alarms .badge.sos button.link")  # looking at it (centres the map) does not end it
    time.sleep(1.0)
    assert page.locator("#alarms .badge.sos.alarming").count() == 1
    # Audible: a tone every second while it lasts, from a running (unsuspended) audio context.
    for console in (page, other):
        console.wait_for_function("() => window.__tones.length >= 3", timeout=10_000)
        tones = console.evaluate("() => window.__tones")
        assert all(tone["state"] == "running" for tone in tones[1:]), tones
        assert {tone["hz"] for tone in tones} == {880}
        gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(tones)]
        assert all(500 < gap < 2500 for gap in gaps), gaps
    page.locator("#alarms .badge.sos button", has_text="Acknowledge").click()
    for console in (page, other):  # the acknowledgement ends it on every console
        console.wait_for_function("() => !document.querySelector('#alarms .badge.sos')")
    silent = [console.evaluate("() => window.__tones.length") for console in (page, other)]
    time.sleep(2.5)
    assert [console.evaluate("() => window.__tones.length") for console in (page, other)] == silent
    store = open_store(site.settings)
    try:
        with store.read() as conn:
            rows = (
                conn.execute(select(audit_log).where(audit_log.c.action == "ops.alarm.acknowledge"))
                .mappings()
                .all()
            )
    finally:
        store.dispose()
    assert len(rows) == 1
    assert json.loads(rows[0]["detail"])["call_sign"] == "ALFA-1"
    assert rows[0]["actor_name"] == "disp"
