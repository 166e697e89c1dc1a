"""Audit app in headless Chromium: search by user, entity and dates; verify; detect tampering."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from web_helpers import Site, add_account, sign_in

from pasienis.security import Role

pytestmark = pytest.mark.browser
PURPOSE = "case 2026/117: smuggling investigation"


def read_task(site: Site, task_id: str, purpose: str | None) -> None:
    headers = {"Authorization": f"Bearer {site.dispatcher_token}"}
    if purpose:
        headers["X-Purpose"] = purpose
    httpx.get(f"{site.url}/api/tasks/{task_id}", headers=headers, timeout=10).raise_for_status()


def audited_actions(site: Site) -> dict[str, str]:
    """The dispatcher creates two tasks about two people and reads them, stating a purpose."""
    tasks = {}
    for entity in ("NK-7", "NK-8"):
        task = site.api("POST", "/api/tasks", json={
            "lat": 54.69, "lon": 25.28, "category": "person_check",
            "description": f"Check {entity}", "entity_ids": [entity],
        })  # fmt: skip
        tasks[entity] = task["id"]
    read_task(site, tasks["NK-7"], PURPOSE)
    read_task(site, tasks["NK-8"], None)
    return tasks


def open_audit(site: Site, browser: Any, name: str = "aud") -> Any:
    page = browser.new_page()
    page.goto(f"{site.url}/web/audit/")
    sign_in(page, name)
    return page


def rendered(page: Any) -> int:
    return int(page.get_attribute("#entries", "data-rendered") or 0)


def rows(page: Any) -> list[str]:
    return [r.inner_text() for r in page.query_selector_all("#entries tbody tr[data-seq]")]


def search(page: Any, **fields: str) -> list[str]:
    """Fill every filter (empty unless given), submit, and wait for exactly that answer."""
    page.wait_for_selector("#entries[data-rendered]")
    before = rendered(page)
    for name in ("entity", "user", "action", "since", "until"):
        page.fill(f"#search-form input[name={name}]", fields.get(name, ""))
    page.click("#search-form button[type=submit]")
    page.wait_for_function(
        "n => Number(document.querySelector('#entries').dataset.rendered) > n", arg=before
    )
    return rows(page)


def test_search_by_user_and_entity_shows_who_what_and_why(site: Site, browser: Any) -> None:
    add_account(site, "aud", [Role.auditor])
    audited_actions(site)
    page = open_audit(site, browser)

    by_user = search(page, user="disp")
    assert by_user, "the dispatcher's actions are listed"
    assert all("disp" in r for r in by_user)
    reads = [r for r in by_user if "task.read" in r]
    assert len(reads) == 2
    assert any(PURPOSE in r for r in reads)
    assert any("no purpose stated" in r for r in reads)
    assert all("API token" in r for r in reads)  # how they authenticated
    assert all("127.0.0.1" in r for r in reads)  # from where

    # "Who looked at this person?" — only entries about NK-7, none about NK-8.
    about = search(page, entity="NK-7")
    actions = page.eval_on_selector_all(
        "#entries tbody tr[data-seq] td .action", "cells => cells.map(c => c.textContent)"
    )
    assert sorted(actions) == ["task.create", "task.read"]
    assert all("NK-7" in r and "NK-8" not in r for r in about), about
    assert any(PURPOSE in r for r in about)

    # The form's dates are Lithuanian calendar days, whatever the machine's zone.
    today = datetime.now(ZoneInfo("Europe/Vilnius")).date().isoformat()
    assert len(search(page, entity="NK-7", since=today, until=today)) == 2
    assert search(page, entity="NK-7", since="2026-03-01", until="2026-03-31") == []
    assert "No entries match" in page.inner_text("#entries")


def test_an_impossible_date_range_is_refused_in_the_form(site: Site, browser: Any) -> None:
    add_account(site, "aud", [Role.auditor])
    page = open_audit(site, browser)
    page.wait_for_selector("#entries tbody tr")
    page.fill("#search-form input[name=since]", "2026-04-01")
    page.fill("#search-form input[name=until]", "2026-03-01")
    page.click("#search-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#search-form .error').textContent")
    assert "before the start" in page.inner_text("#search-form .error")


def test_verify_is_intact_then_names_the_tampered_entry(site: Site, browser: Any) -> None:
    add_account(site, "aud", [Role.auditor])
    audited_actions(site)
    page = open_audit(site, browser)
    page.click("#verify")
    page.wait_for_selector("#verify-result.intact")
    assert "intact" in page.inner_text("#verify-result")

    db = site.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        (seq,) = conn.execute(
            "SELECT seq FROM audit_log WHERE action = 'task.read' AND purpose = ?", (PURPOSE,)
        ).fetchone()
        conn.execute("UPDATE audit_log SET purpose = 'routine' WHERE seq = ?", (seq,))
    conn.close()

    page.click("#verify")
    page.wait_for_selector("#verify-result.broken")
    verdict = page.inner_text("#verify-result")
    assert "broken" in verdict
    assert f"#{seq}" in verdict
    assert "altered" in verdict  # the server's reason
    bad = page.wait_for_selector(f"#bad-entry tr[data-seq='{seq}']")
    assert "routine" in bad.inner_text()  # what the altered entry claims now
    assert "task.read" in bad.inner_text()


def test_a_dispatcher_may_not_read_the_audit_log(site: Site, browser: Any) -> None:
    page = open_audit(site, browser, "disp")
    page.wait_for_selector("#forbidden:not([hidden])")
    assert "Not allowed" in page.inner_text("#forbidden")
    assert "auditor" in page.inner_text("#forbidden")
    assert page.is_hidden("#app")
