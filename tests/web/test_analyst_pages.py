"""Analyst workbench pages in headless Chromium: import a CSV with a live mapping preview and
find it by search; decide a review candidate with the keyboard; acknowledge a live alert and
turn it into a task that appears in the dispatcher console. axe-core on every page."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from analyst_helpers import AnalystSite, axe_violations, open_page, serve, shoot
from tests.resolve.conftest import load_people
from tests.watch.test_screening import complete, put
from web_helpers import wait_for

from pasienis.resolve import RunParams, run_batch
from pasienis.security.compartments import register_dataset
from pasienis.store import open_store
from pasienis.watch import add_source

pytestmark = pytest.mark.browser

CSV = (
    "full_name,birth_date,passport_no,nationality\n"
    "Jonas Petraitis,1980-03-04,LT1234567,LT\n"
    "Rūta Kazlauskienė,1975-11-30,LT7654321,LT\n"
    "Aleksandr Smirnov,1969-01-15,RU5551112,RU\n"
    + "".join(f"Tomas Jonaitis {i},1990-01-{i:02d},LT99000{i:02d},LT\n" for i in range(1, 11))
    + "Nobody Known,not a date,XX1,LT\n"  # 1 of 14 quarantined: under the 10 % allowed
)
MAPPING = """dataset: field_reports
title: Field reports of persons
source:
  format: csv
entities:
  person:
    schema: Person
    key: [full_name, passport_no]
    properties:
      name: full_name
      birthDate: birth_date
      passportNumber: passport_no
      nationality: nationality
"""


def test_upload_preview_import_and_search(sqlite_template: Path, tmp_path: Path,
                                          browser: Any) -> None:  # fmt: skip
    source = tmp_path / "persons.csv"
    source.write_text(CSV, encoding="utf-8")
    with serve(sqlite_template, tmp_path) as site:
        page = open_page(browser, site, "#/imports")
        page.set_input_files("#imports-file", str(source))
        page.click("#imports-upload button[type=submit]")
        page.wait_for_selector("#imports-editor:not([hidden])")
        assert "full_name" in page.input_value("#imports-mapping"), "the draft names the columns"
        page.wait_for_selector("#imports-preview .preview-record, #imports-problems li")
        page.fill("#imports-mapping", MAPPING)  # the live preview follows the edit
        # The draft already previews Persons: wait for the edited mapping's own preview (its
        # passport numbers), which proves the preview follows the edit.
        page.wait_for_function(
            "() => document.querySelector('#imports-preview').innerText.includes('LT1234567')"
        )
        preview = page.inner_text("#imports-preview")
        assert "Jonas Petraitis" in preview
        assert "LT1234567" in preview
        assert "not a date" in preview, "the bad date is shown as a would-be quarantine"
        shoot(page, "import-preview", "en")
        assert axe_violations(page) == []
        page.click("#imports-run")
        page.wait_for_selector("#imports-result")
        assert page.get_attribute("#imports-job [data-status]", "data-status") == "succeeded"
        result = page.inner_text("#imports-result")
        assert "records: 14" in result
        assert "values quarantined: 1" in result
        page.wait_for_selector("#imports-quarantine tbody tr")
        assert "not a date" in page.inner_text("#imports-quarantine")
        shoot(page, "import-done", "en")
        found = wait_for(lambda: (r := site.api("GET", "/api/search", params={"q": "Petraitis"}))
                         ["hits"] and r)  # fmt: skip
        assert "Jonas Petraitis" in str(found["hits"][0])
        assert found["facets"]["dataset"] == {"field_reports": 1}
        # Retry with the fixed mapping: the bad date no longer quarantines, the entry resolves.
        page.fill("#imports-mapping", MAPPING.replace("      birthDate: birth_date\n", ""))
        page.wait_for_selector("#imports-retry:not([hidden])")
        page.click("#imports-retry")
        page.wait_for_function("() => document.querySelector('#imports-quarantine caption')"
                               ".textContent.startsWith('0')")  # fmt: skip
        assert site.api("GET", "/api/quarantine", params={"dataset": "field_reports"})["total"] == 0
        page.context.close()
        lt = open_page(browser, site, "#/imports", lang="lt")
        lt.wait_for_selector("#imports-upload")
        assert "Importuoti šaltinį" in lt.inner_text("h1")
        shoot(lt, "import", "lt")
        lt.context.close()


MOVED_ON = "(id) => document.querySelector('#review-pair').dataset.candidate !== id"


def seed_candidates(site: AnalystSite) -> None:
    store = open_store(site.settings)
    try:
        with store.begin() as conn:
            for name in ("border", "register"):
                register_dataset(conn, name=name)
        load_people(store)
        run_batch(
            store,
            kind="person",
            params=RunParams(max_pairs=2e4, merge_threshold=0.999999, review_threshold=0.01),
        )
    finally:
        store.dispose()


def test_review_candidate_with_the_keyboard(sqlite_template: Path, tmp_path: Path,
                                            browser: Any) -> None:  # fmt: skip
    with serve(sqlite_template, tmp_path) as site:
        seed_candidates(site)
        queue = site.api("GET", "/api/resolution/candidates", params={"limit": 500})
        assert queue, "the run left pairs to review"
        for lang in ("lt", "en"):
            page = open_page(browser, site, "#/review", lang=lang)
            page.wait_for_selector("#review-pair .review-record")
            shoot(page, "review", lang)
            assert axe_violations(page) == []
            if lang == "lt":
                page.context.close()
        first = page.get_attribute("#review-pair", "data-candidate")
        pair = site.api("GET", f"/api/resolution/candidates/{first}")
        shown = page.inner_text("#review-pair")
        assert pair["left"]["properties"]["name"][0] in shown
        assert pair["right"]["properties"]["name"][0] in shown
        assert "name" in page.inner_text(".evidence")
        page.focus("#review-reason")
        page.keyboard.type("same passport and date of birth")
        page.keyboard.press("Tab")  # leave the reason field: the letter keys decide
        page.keyboard.press("m")
        page.wait_for_function(MOVED_ON, arg=first)
        judged = site.api("GET", "/api/resolution/judgements", params={"limit": 10})
        mine = [j for j in (judged if isinstance(judged, list) else judged["judgements"])
                if j["decision"] == "merge" and j["actor"] == "ana"]  # fmt: skip
        assert mine
        assert mine[0]["reason"] == "same passport and date of birth"
        members = site.api("GET", f"/api/resolution/entities/{pair['left_id']}/members")["members"]
        assert pair["right_id"] in members
        second = page.get_attribute("#review-pair", "data-candidate")
        page.keyboard.press("n")
        page.wait_for_function(MOVED_ON, arg=second)
        assert site.api("GET", f"/api/resolution/candidates/{second}")["status"] == "not-same"
        page.context.close()


def raise_alert(site: AnalystSite, secret: str, plate: str) -> None:
    basic = base64.b64encode(f"cam-1:{secret}".encode()).decode()
    read = {"plate": plate, "camera_id": "A1-01", "occurred_at": "2026-09-01T10:00:00Z",
            "lat": 54.6, "lon": 25.2, "read_id": f"r-{plate}"}  # fmt: skip
    response = httpx.post(f"{site.url}/api/watch/plate-reads", json=[read],
                          headers={"Authorization": f"Basic {basic}"}, timeout=10)  # fmt: skip
    response.raise_for_status()
    assert response.json()["reads"][0]["alerts"], "the read matched the watchlist"


def test_live_alert_acknowledged_and_sent_as_task(sqlite_template: Path, tmp_path: Path,
                                                  browser: Any) -> None:  # fmt: skip
    with serve(sqlite_template, tmp_path) as site:
        store = open_store(site.settings)
        try:
            with store.begin() as conn:
                for name in ("border", "anpr"):
                    register_dataset(conn, name=name)
                secret = add_source(conn, source_id="cam-1", name="A1", dataset="anpr")
        finally:
            store.dispose()
        site.api("POST", "/api/watchlists", json={"name": "vehicles", "dataset": "border"})
        site.api("POST", "/api/watchlists/vehicles/entries", json={
            "kind": "vehicle", "identifiers": [{"type": "plate", "value": "KDL 482"}],
            "reason": "smuggling cigarettes", "priority": 1})  # fmt: skip
        case_id = site.api("POST", "/api/cases", json={"title": "KDL 482 watch"})["id"]
        page = open_page(browser, site, "#/alerts")
        page.wait_for_selector("#alerts-conn.online")
        assert page.locator("#alerts-list li").count() == 0
        raise_alert(site, secret, "KDL4B2")  # a misread plate still matches
        item = page.wait_for_selector("#alerts-list li.new")  # pushed over the WebSocket
        alert_id = item.get_attribute("data-alert")
        assert "KDL 482" in item.inner_text()
        shoot(page, "alerts", "en")
        assert axe_violations(page) == []
        # Acknowledge with the keyboard: type the reason, tab to the button, Enter.
        page.focus(f"[data-alert='{alert_id}'] input[name=reason]")
        page.keyboard.type("unit informed")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"[data-alert='{alert_id}'][data-status=acknowledged]")
        assert site.api("GET", f"/api/alerts/{alert_id}")["status_reason"] == "unit informed"
        page.click(f"[data-alert='{alert_id}'] button[value=task]")
        page.wait_for_selector(f"[data-alert='{alert_id}'][data-task=sent]")
        task = wait_for(lambda: [t for t in site.api("GET", "/api/tasks", who="disp")
                                 if t.get("alert_id") == alert_id])[0]  # fmt: skip
        # Into a case: without a case picked it says so; then the alert is in the case, with
        # who added it in the case's history.
        page.click(f"[data-alert='{alert_id}'] button[value=case]")
        page.wait_for_function(f"() => document.querySelector(\"[data-alert='{alert_id}'] .error\")"
                               ".textContent.includes('case')")  # fmt: skip
        page.select_option("#alerts-case", case_id)
        page.click(f"[data-alert='{alert_id}'] button[value=case]")
        page.wait_for_function(f"() => document.querySelector(\"[data-alert='{alert_id}'] .done\")"
                               ".textContent.includes('KDL 482 watch')")  # fmt: skip
        items = site.api("GET", f"/api/cases/{case_id}")["items"]
        assert [(i["kind"], i["ref"]) for i in items] == [("alert", alert_id)]
        page.goto(f"{site.url}/test-shell/#/cases/{case_id}")
        page.wait_for_selector(f"a[href='#/alerts/{alert_id}']")
        activity = page.inner_text("table.activity")
        assert "item added" in activity
        assert "ana" in activity
        shoot(page, "case-with-alert", "en")
        assert axe_violations(page) == []
        page.context.close()
        console = open_page(browser, site, "", who="disp")
        console.goto(f"{site.url}/web/dispatch/")
        console.wait_for_selector(f"#tasks li[data-task='{task['id']}']")
        # The text the item holds: list items are content-visibility:auto, and the innerText
        # of one below the fold can be empty until the browser has drawn it.
        assert "KDL" in console.text_content(f"#tasks li[data-task='{task['id']}']")
        shoot(console, "alert-task-in-console", "en")
        console.context.close()
        lt = open_page(browser, site, "#/alerts/", lang="lt")
        lt.select_option("#alerts-status", "acknowledged")
        lt.wait_for_selector(f"[data-alert='{alert_id}']")
        shoot(lt, "alerts", "lt")
        lt.goto(f"{site.url}/test-shell/#/cases/{case_id}")
        lt.wait_for_selector(f"a[href='#/alerts/{alert_id}']")
        assert "įrašas pridėtas" in lt.inner_text("table.activity")  # the history, translated
        shoot(lt, "case-with-alert", "lt")
        lt.context.close()
        console_lt = open_page(browser, site, "", who="disp", lang="lt")
        console_lt.goto(f"{site.url}/web/dispatch/")
        console_lt.wait_for_selector(f"#tasks li[data-task='{task['id']}']")
        shoot(console_lt, "alert-task-in-console", "lt")
        console_lt.context.close()


def _listed_in_border(site: Any, store: Any, name: str) -> None:
    """A watchlist of the border dataset listing ``name``, born 1973-06-01."""
    with store.begin() as conn:
        register_dataset(conn, name="border")
    site.api("POST", "/api/watchlists", json={"name": "persons", "dataset": "border"})
    entry = {"kind": "person", "name": name, "birth_date": "1973-06-01", "reason": "smuggling"}
    site.api("POST", "/api/watchlists/persons/entries", json=entry)


def test_an_alert_says_which_record_lent_its_birth_date(sqlite_template: Path, tmp_path: Path,
                                                        browser: Any) -> None:  # fmt: skip
    """A crossing without a birth date alerts on the birth date its passport's other record
    gives: the inbox names that record and the passport, in both languages."""
    with serve(sqlite_template, tmp_path) as site:
        store = open_store(site.settings)
        try:
            _listed_in_border(site, store, "Saulius Butkus")
            put(store, "y1", "Person", {"name": "Saulius Butkus", "passportNumber": "92767094"},
                "border", "r1")  # fmt: skip
            put(store, "y2", "Person", {"name": "Butkus Saulius", "passportNumber": "92767094",
                "birthDate": "1973-06-01"}, "border", "r1")  # fmt: skip
            complete(store, "r1", "border")
        finally:
            store.dispose()
        alerts = wait_for(lambda: [a for a in site.api("GET", "/api/alerts")
                                   if a["record_id"] == "y1"])  # fmt: skip
        for lang, said in (("en", "taken from"), ("lt", "paimta iš")):
            page = open_page(browser, site, "#/alerts", lang=lang)
            alert = f"[data-alert='{alerts[0]['id']}']"
            text = page.wait_for_selector(f"{alert} .borrowed").inner_text()
            for part in (said, "1973-06-01", "Butkus Saulius", "92767094"):
                assert part in text, text
            lent_none = page.locator(f"[data-alert]:not({alert}) .borrowed")
            assert all(not lent_none.nth(i).is_visible() for i in range(lent_none.count()))
            shoot(page, "alert-borrowed-birth-date", lang)
            page.context.close()


def test_an_alert_a_later_import_contradicts_leaves_the_open_list_as_withdrawn(
    sqlite_template: Path, tmp_path: Path, browser: Any
) -> None:
    """A name-only alert is open in the inbox; a later import of the same passport says its
    holder was born on another day: the live feed takes it off the open list, and the
    withdrawn list shows it with the re-screening's reason, in both languages."""
    with serve(sqlite_template, tmp_path) as site:
        store = open_store(site.settings)
        try:
            _listed_in_border(site, store, "Darius Sabonis")
            put(store, "x1", "Person", {"name": "Darius Sabonis", "passportNumber": "50526517"},
                "border", "r1")  # fmt: skip
            complete(store, "r1", "border")
            alert = wait_for(lambda: [a for a in site.api("GET", "/api/alerts")
                                      if a["record_id"] == "x1"])[0]  # fmt: skip
            page = open_page(browser, site, "#/alerts", lang="en")
            row = f"#alerts-list [data-alert='{alert['id']}']"
            page.wait_for_selector(row)
            page.wait_for_selector("#alerts-conn.online")
            put(store, "x2", "Person", {"name": "Darius Sabonis", "passportNumber": "50526517",
                "birthDate": "1978-04-04"}, "border", "r2")  # fmt: skip
            complete(store, "r2", "border")
        finally:
            store.dispose()
        page.wait_for_selector(row, state="detached")
        page.context.close()
        for lang, said in (("en", "Withdrawn by re-screening"), ("lt", "Atšaukta")):
            page = open_page(browser, site, "#/alerts", lang=lang)
            page.select_option("#alerts-status", "withdrawn")
            text = page.wait_for_selector(f"{row} .status-reason").inner_text()
            for part in (said, "1978-04-04", "1973-06-01"):
                assert part in text, text
            assert page.locator(f"{row} button[value=dismiss]").is_disabled()
            assert page.locator(f"{row} button[value=acknowledge]").is_disabled()
            shoot(page, "alert-withdrawn", lang)
            page.context.close()
