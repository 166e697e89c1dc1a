"""Dispatcher console in headless Chromium: live units, create a task by map click, assign."""

from __future__ import annotations

import time
from typing import Any

import pytest
from web_helpers import Site, report_position, sign_in, wait_for

pytestmark = pytest.mark.browser


def test_create_by_map_click_and_assign_the_suggested_unit(site: Site, browser: Any) -> None:
    # ALFA-1 stands near the map's centre, BRAVO-2 far away in the south-east.
    report_position(site, 55.20, 23.90)
    site.api("POST", f"/api/ops/units/{site.units['BRAVO-2']}/status", json={"status": "available"})
    page = browser.new_page()
    page.goto(f"{site.url}/web/dispatch/")
    sign_in(page, "disp")
    page.wait_for_selector("#units li[data-unit]")
    assert "ALFA-1" in page.text_content("#units")
    page.wait_for_selector("#conn.online")

    box = page.locator("#map").bounding_box()
    # Off the centre: ALFA-1's marker sits there and swallows the click.
    page.mouse.click(box["x"] + box["width"] / 2 - 80, box["y"] + box["height"] / 2 + 60)
    page.wait_for_selector("#create:not([hidden])")
    lat, lon = (float(v) for v in page.inner_text("#create-where").split(","))
    assert 54.0 < lat < 56.5
    assert 21.0 < lon < 27.0
    page.select_option("#create-form select[name=category]", "vehicle_stop")
    page.fill("#create-form textarea[name=description]", "Stop LT plate KLM 482, check cargo")
    page.click("#create-form button[type=submit]")

    first = page.wait_for_selector("#suggestions .suggestion button")
    assert "ALFA-1" in page.inner_text("#suggestions .suggestion >> nth=0")
    assert "great-circle" in page.inner_text("#suggestions") or "valhalla" in page.inner_text(
        "#suggestions"
    ), "the ETA method is shown"
    first.click()

    def assigned() -> Any:
        tasks = site.api("GET", "/api/tasks")
        return [t for t in tasks if t["description"].startswith("Stop LT plate")
                and t["unit_id"] == site.units["ALFA-1"]]  # fmt: skip

    task = wait_for(assigned)[0]
    assert abs(task["lat"] - lat) < 1e-6
    page.wait_for_function(
        "() => ['assigned', 'delivered']"
        ".includes(document.querySelector('#detail-status')?.dataset.status)"
    )
    assert "ALFA-1" in page.inner_text("#detail")


def test_live_position_and_sos_alarm_reach_the_console(site: Site, browser: Any) -> None:
    page = browser.new_page()
    page.goto(f"{site.url}/web/dispatch/")
    sign_in(page, "disp")
    page.wait_for_selector("#conn.online")
    report_position(site, 54.69, 25.28)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#units li')].some(li =>"
        " li.textContent.includes('ALFA-1') && !li.textContent.includes('—'))"
    )
    import httpx

    httpx.get(
        f"{site.url}/api/positions/osmand/{site.device_secret}",
        params={"id": site.device_id, "lat": 54.70, "lon": 25.29, "alarm": "sos",
                "timestamp": int(time.time())},
        timeout=10,
    ).raise_for_status()  # fmt: skip
    page.wait_for_selector("#alarms .badge.sos")
    assert "ALFA-1" in page.inner_text("#alarms")
