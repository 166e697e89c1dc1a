"""Timeline and map of a selection's events, and the guided first tour (headless Chromium)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from analyst_helpers import axe_violations, open_page, serve, shoot
from sqlalchemy import insert

from pasienis.model.events import border_crossings, plate_reads
from pasienis.security.compartments import register_dataset
from pasienis.store import open_store

pytestmark = pytest.mark.browser
T0 = datetime(2026, 9, 1, 8, tzinfo=UTC)


def seed_events(settings: Any) -> None:
    """Three plate reads of one vehicle over two years and one crossing; one hidden read."""
    store = open_store(settings)
    try:
        with store.begin() as conn:
            for name in ("anpr", "border"):
                register_dataset(conn, name=name)
            reads = [
                {"id": f"pr-{i}", "occurred_at": T0 + delta, "lat": 54.6 + i / 10, "lon": 25.2,
                 "dataset": "anpr", "locator": f"reads.csv:{i + 2}", "camera_id": "A1-01",
                 "plate": "KDL482", "vehicle_id": "veh-1"}
                for i, delta in enumerate((timedelta(0), timedelta(hours=2), timedelta(days=700)))
            ]  # fmt: skip
            conn.execute(insert(plate_reads), reads)
            conn.execute(insert(border_crossings), [{
                "id": "bc-1", "occurred_at": T0 + timedelta(hours=5), "dataset": "border",
                "locator": "crossings.csv:2", "direction": "exit", "vehicle_id": "veh-1",
                "checkpoint_id": "checkpoint-x"}])  # fmt: skip
            conn.execute(insert(plate_reads), [{
                "id": "pr-other", "occurred_at": T0, "lat": 55.0, "lon": 24.0, "dataset": "anpr",
                "camera_id": "A1-02", "plate": "ZZZ999", "vehicle_id": "veh-2"}])  # fmt: skip
    finally:
        store.dispose()


def test_timeline_and_map_follow_the_selection(
    sqlite_template: Path, tmp_path: Path, browser: Any
) -> None:
    with serve(sqlite_template, tmp_path) as site:
        seed_events(site.settings)
        found = site.api("GET", "/api/map/events", params={"entity": "veh-1"})
        assert [e["id"] for e in found["events"]] == ["pr-0", "pr-1", "bc-1", "pr-2"]
        assert found["truncated"] is False
        cut = site.api("GET", "/api/map/events", params={"entity": "veh-1", "limit": 2})
        assert cut["truncated"] is True, "a cut list says so"
        for lang in ("en", "lt"):
            page = open_page(browser, site, "#/timeline", lang=lang)
            page.wait_for_selector("#timeline .vis-timeline")
            page.evaluate("window.pasienisAnalyst.selection.set(['veh-1'])")
            page.wait_for_selector("#timeline-table tbody tr >> nth=3")
            assert page.locator("#timeline-table tbody tr").count() == 4
            assert page.locator("#timeline .vis-item").count() >= 1
            assert "ZZZ999" not in page.inner_text("#main")
            page.click("[data-zoom=fit]")
            shoot(page, "timeline", lang)
            assert axe_violations(page) == []
            page.evaluate("location.hash = '#/map'")
            page.wait_for_selector("#analyst-map[data-basemap]")
            page.wait_for_function(
                "() => /\\b3\\b/.test(document.querySelector('#map-status').textContent)"
            )  # the three located reads; the crossing's checkpoint is unknown here
            page.context.close()


def test_first_tour_walks_the_pages_by_keyboard(
    sqlite_template: Path, tmp_path: Path, browser: Any
) -> None:
    with serve(sqlite_template, tmp_path) as site:
        page = open_page(browser, site, "#/tour")
        page.wait_for_selector("#analyst-tour[data-step='1']")
        assert page.evaluate("document.activeElement.dataset.go") == "1", "Next has the focus"
        page.keyboard.press("Enter")
        page.wait_for_selector("#analyst-tour[data-step='2']")
        page.wait_for_selector("#analyst-map")
        assert "Step 2 of 6" in page.inner_text("#analyst-tour")
        shoot(page, "tour", "en")
        assert axe_violations(page, "#analyst-tour") == []
        page.keyboard.press("Escape")
        page.wait_for_selector("#analyst-tour", state="detached")
        assert page.evaluate("localStorage.getItem('pasienis.tour')") == "done"
        page.context.close()
