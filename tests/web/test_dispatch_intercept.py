"""Dispatcher console, interception panel, in headless Chromium.

The site has no routing tiles, so every ETA is the labelled great-circle estimate; the
checkpoints and plate reads come from a generated scenario loaded through the real ingest
path, plus one fresh read (a live ANPR hit a minute ago) on the A3 before Medininkai.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from web_helpers import Site, report_position, sign_in, wait_for

from pasienis.ingest import load_mapping, run_import
from pasienis.ingest.mappings.scenario import FOLDER
from pasienis.model.events import plate_reads
from pasienis.scenario import generate
from pasienis.security.compartments import register_dataset
from pasienis.store import open_store

pytestmark = pytest.mark.browser

CAM_A3_02 = (54.574066, 25.625137)  # "A3 km 25.6", ~10 km before Medininkai
MEDININKAI = (54.5353, 25.7595)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dispatch-intercept-scenario")
    generate(seed=7, scale=0.2, out=out)
    return out


def load_live_read(site: Site, scenario: Path) -> None:
    store = open_store(site.settings)
    try:
        for file_name, mapping in (("crossings.csv", "crossings.yml"),
                                   ("plate_reads.csv", "plate_reads.yml")):  # fmt: skip
            result = run_import(
                store, source=scenario / file_name, mapping=load_mapping(FOLDER / mapping)
            )
            assert result.status == "completed", result
        with store.begin() as conn:
            conn.execute(insert(plate_reads).values(
                id="live-read-1", occurred_at=datetime.now(UTC) - timedelta(minutes=1),
                lat=CAM_A3_02[0], lon=CAM_A3_02[1], dataset="anpr-live",
                camera_id="CAM-A3-02", plate="KLM482", confidence=0.97))  # fmt: skip
            register_dataset(conn, name="anpr-live")  # plate reads are read through grants
    finally:
        store.dispose()


def test_plate_to_proposals_to_task_in_one_click(site: Site, browser: Any, scenario: Path) -> None:
    load_live_read(site, scenario)
    report_position(site, 54.55, 25.72)  # ALFA-1 between the camera and the border post
    page = browser.new_page()
    page.goto(f"{site.url}/web/dispatch/")
    sign_in(page, "disp")
    page.wait_for_selector("#units li[data-unit]")

    page.fill("#intercept-form input[name=plate]", "klm 482")
    page.click("#intercept-form button[type=submit]")
    button = page.wait_for_selector("#intercept-result .proposal button")
    result = page.inner_text("#intercept-result")
    assert "Medininkai" in result
    assert "ALFA-1" in result
    assert "great-circle" in result
    assert page.is_visible("#intercept-result .estimate"), "an estimate is said to be one"
    first = page.locator("#intercept-result .proposal >> nth=0")
    assert first.locator(".unit-eta").inner_text().strip()
    assert first.locator(".vehicle-eta").inner_text().strip()
    assert int(page.get_attribute("#intercept-result", "data-route-points") or 0) > 2
    assert "KLM482" in page.inner_text("#intercept-reads")
    # A read in the list is picked by keyboard too (Enter on it proposes again).
    read = page.locator("#intercept-reads li[data-read] >> nth=0")
    assert read.get_attribute("tabindex") == "0"
    page.evaluate("() => document.querySelector('#intercept-result').innerHTML = ''")
    read.focus()
    page.keyboard.press("Enter")
    button = page.wait_for_selector("#intercept-result .proposal button")

    button.click()

    def created() -> Any:
        tasks = site.api("GET", "/api/tasks")
        return [t for t in tasks if "KLM482" in t["description"]]

    task = wait_for(created)[0]
    assert task["unit_id"] == site.units["ALFA-1"]
    assert task["status"] in {"assigned", "delivered"}
    assert task["priority"] == 1
    # The point is on the (straight, estimated) way from the camera to the checkpoint.
    assert CAM_A3_02[1] - 1e-6 <= task["lon"] <= MEDININKAI[1] + 1e-6
    assert (
        min(CAM_A3_02[0], MEDININKAI[0]) - 1e-3 <= task["lat"] <= max(CAM_A3_02[0], MEDININKAI[0])
    )
    page.wait_for_function("() => document.querySelector('#detail h2')?.textContent.length > 0")
    assert "KLM482" in page.inner_text("#detail")
    assert "ALFA-1" in page.inner_text("#detail")


def test_unknown_plate_and_no_unit_are_said_plainly(
    site: Site, browser: Any, scenario: Path
) -> None:
    load_live_read(site, scenario)
    page = browser.new_page()
    search_an_unknown_plate(page, site)

    # No unit has reported a position yet: the server's problem+json reaches the dispatcher.
    page.fill("#intercept-form input[name=plate]", "KLM482")
    page.click("#intercept-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#intercept-form .error').textContent.length > 0"
    )
    assert "position" in page.inner_text("#intercept-form .error")
    assert page.locator("#intercept-result .proposal").count() == 0


def test_a_search_sent_before_the_map_has_loaded_is_not_lost(site: Site, browser: Any) -> None:
    """The console is shown while its map still loads. A plate typed and sent in that time
    once submitted the form natively (a page reload with the plate in the address bar)."""
    page = browser.new_page()

    def slow_map_config(route: Any) -> None:
        time.sleep(2.0)  # a loaded server: the base map's configuration comes late
        route.continue_()

    page.route("**/api/map/config", slow_map_config)
    search_an_unknown_plate(page, site)
    assert "plate=" not in page.url


def search_an_unknown_plate(page: Any, site: Site) -> None:
    """Open the console, send a plate no camera read as soon as the form shows: it says so."""
    page.goto(f"{site.url}/web/dispatch/")
    sign_in(page, "disp")
    page.wait_for_selector("#intercept-form")
    page.fill("#intercept-form input[name=plate]", "NOSUCH1")
    page.click("#intercept-form button[type=submit]")
    page.wait_for_selector("#intercept-reads li.muted")
    assert "No plate reads found" in page.inner_text("#intercept-reads")
