"""Dispatcher console: the hot-spot layer, a patrol plan made, edited and published, and its
tasks arriving in the crew's field app (issue 18's browser path)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from test_field import open_field_app
from web_helpers import Site, report_position, sign_in, wait_for

from pasienis.model.events import violations
from pasienis.security.compartments import GranteeKind, ResourceKind, grant, register_dataset
from pasienis.security.users import get_user
from pasienis.store import open_store

pytestmark = pytest.mark.browser


def _seed_violations(site: Site) -> None:
    rng = np.random.default_rng(8)
    now = datetime.now(UTC)
    rows = [
        {
            "id": f"pv{i}",
            "occurred_at": now - timedelta(days=float(rng.uniform(1, 90))),
            "lat": float(rng.normal(54.32, 0.01)),
            "lon": float(rng.normal(25.22, 0.015)),
            "dataset": "field",
            "category": "cigarettes",
            "quantity": 10.0,
            "person_id": None,
        }
        for i in range(160)
    ]
    store = open_store(site.settings)
    try:
        with store.begin() as conn:
            conn.execute(violations.insert(), rows)
            register_dataset(conn, name="field")
            disp = get_user(conn, name="disp")
            grant(conn, resource_kind=ResourceKind.dataset, resource="field",
                  grantee_kind=GranteeKind.user, grantee=disp.id, granted_by="test")  # fmt: skip
    finally:
        store.dispose()


def test_hot_spots_then_plan_edit_publish_reach_the_field_app(site: Site, browser: Any) -> None:
    _seed_violations(site)
    report_position(site, 54.35, 25.15)  # ALFA-1 starts its shift near the hot corridor
    context, field = open_field_app(site, browser)

    page = browser.new_page()
    page.goto(f"{site.url}/web/dispatch/")
    sign_in(page, "disp")
    page.wait_for_selector("#conn.online")
    page.select_option("#violations-layer", "hotspots")
    page.wait_for_function(
        "() => Number(document.querySelector('#violations-status').dataset.cells || 0) > 0"
    )
    assert "hot" in page.inner_text("#violations-status")
    page.click("#violations-charts summary")
    page.wait_for_selector("#months li")
    assert page.locator("#hour-of-week tr").count() == 8  # header + seven days
    shown = sum(int(x) for x in page.locator("#months li span:last-child").all_inner_texts())
    assert shown == 160

    page.fill("#plan-form input[name=hours]", "4")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#plan-stops li >> nth=1", timeout=60_000)
    before = page.locator("#plan-stops li").count()
    assert "violations here" in page.inner_text("#plan-stops"), "each stop says why"
    page.click("#plan-stops li >> nth=0 >> button")
    page.wait_for_function(
        f"() => document.querySelectorAll('#plan-stops li').length === {before - 1}"
    )
    assert "2" in page.inner_text("#plan-status")  # version 2 after the edit
    page.click("#plan-publish")
    page.wait_for_selector("#plan-publish[hidden]", state="attached")

    card = field.wait_for_selector("article[data-task] >> text=Patrol stop", timeout=30_000)
    assert "violations here" in card.inner_text()
    tasks = wait_for(lambda: [t for t in site.api("GET", "/api/tasks")
                              if t["category"] == "patrol"])  # fmt: skip
    assert len(tasks) == before - 1
    assert {t["unit_id"] for t in tasks} == {site.units["ALFA-1"]}
    context.close()
