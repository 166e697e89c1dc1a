"""The analyst workbench end to end in headless Chromium, in English and Lithuanian: sign in;
search a planted smuggler by a variant spelling; open the profile and follow a value to its
source row; open the link chart, expand twice, find the path to a second member of the same
network; save the chart in a case, reload, see the same chart. Screenshots of each step go
to tests/artifacts/analyst/ (not committed); axe-core finds no serious violations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from analyst_world import ARTIFACTS, build_world, copy_db, serious_violations, serve
from web_helpers import sign_in

from pasienis.config import Settings

SMUGGLER = "Sergey Shevchuk"  # written "Sergei Shevchuk" / "Shevchuk Sergei" in the records
#: A source file of rows (the scenario's structured sources), as the profile shows its path.
# A file, and for a workbook its sheet ("companies.xlsx:Officers").
STRUCTURED_FILE = re.compile(r"[\w./-]+\.(csv|xlsx|xml|jsonl)(:[\w .-]+)?")
PARTNER = "Ekaterina Popova"  # same network (N1 in truth.json), four links away
#: What must survive a save and a reload: elements, positions (to the pixel) and zoom.
SNAPSHOT = (
    "({ids: cy.nodes().map(n => n.id()).sort(), edges: cy.edges().map(e => e.id()).sort(),"
    " pos: Object.fromEntries(cy.nodes(':childless').map(n => [n.id(),"
    " [Math.round(n.position('x')), Math.round(n.position('y'))]])), zoom: cy.zoom()})"
)


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory,
          base_settings: Settings) -> dict[str, Any]:  # fmt: skip
    out = tmp_path_factory.mktemp("analyst-world")
    db = copy_db(sqlite_template, out / "world.db")
    settings = base_settings.model_copy(update={"database_url": f"sqlite:///{db}",
                                                "cookie_secure": False,
                                                "ops_mqtt_enabled": False})  # fmt: skip
    facts = build_world(db, out, settings)
    return {**facts, "db": db, "settings": settings}


@pytest.fixture
def site(world: dict[str, Any], tmp_path: Path) -> Any:
    db = copy_db(world["db"], tmp_path / "site.db")
    settings = world["settings"].model_copy(update={"database_url": f"sqlite:///{db}"})
    with serve(settings) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(browser: Any) -> Any:
    """The session's one browser (tests/web/conftest.py): a second sync Playwright in the
    same process fails ("Sync API inside the asyncio loop")."""
    return browser


def _page(chromium: Any, lang: str) -> Any:
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.add_init_script(f"localStorage.setItem('pasienis.lang', '{lang}')")
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def _shot(page: Any, lang: str, step: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{lang}-{step}.png"), full_page=False)


def _no_serious(page: Any, where: str) -> None:
    bad = serious_violations(page)
    assert bad == [], f"{where}: {bad}"


def _chart(page: Any, expr: str) -> Any:
    return page.evaluate(f"(() => {{ const cy = window.pasienisChart.cy; return {expr}; }})()")


def _wait_chart(page: Any, predicate: str) -> None:
    try:
        page.wait_for_function(
            f"() => window.pasienisChart && (() => {{ const cy = window.pasienisChart.cy; "
            f"return {predicate}; }})()"
        )
    except Exception:  # say what the page said, not only that it timed out
        status = page.evaluate("document.querySelector('#chart-status')?.textContent")
        _shot(page, "failed", predicate[:40].replace("/", "_"))
        raise AssertionError(
            f"chart never got to {predicate!r}; status {status!r}; page errors {page.errors}"
        ) from None


@pytest.mark.parametrize("lang", ["en", "lt"])
def test_search_profile_chart_case(site: str, chromium: Any, world: dict[str, Any],
                                   lang: str) -> None:  # fmt: skip
    page = _page(chromium, lang)
    # 1. sign in
    page.goto(f"{site}/web/analyst/")
    page.wait_for_selector("#login-form")
    _shot(page, lang, "01-sign-in")
    sign_in(page, "ana")
    page.wait_for_selector("#q")
    assert page.get_attribute("html", "lang") == lang
    _no_serious(page, "search page")

    # 2. search by a variant spelling, narrow to persons, open the first hit by keyboard
    page.fill("#q", SMUGGLER)
    page.press("#q", "Enter")
    page.wait_for_selector("#hits li")
    page.check("aside.facets input[data-facet=schema][value=Person]")
    page.wait_for_function("() => document.querySelectorAll('#hits li').length > 0")
    first = page.text_content("#hits li a.hit")
    assert "shevchuk" in first.lower(), first
    assert page.inner_html("#hits li .snippet").count("<mark>") >= 1
    _shot(page, lang, "02-search")
    page.click("body")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.classList.contains('hit')")
    page.keyboard.press("Enter")
    page.wait_for_selector(".profile h1")
    assert "#/profile/" in page.url
    entity_id = page.evaluate("decodeURIComponent(location.hash.split('/')[2])")
    assert "shevchuk" in page.text_content(".profile h1").lower()

    # 3. follow the name to its source row: dataset, file, row, and the import run
    name_row = page.locator("table.props tr", has=page.locator("ul.values")).first
    toggle = name_row.locator("button.sources-toggle").first
    toggle.click()
    # The value's row in a structured file (a document that mentions the name is a source
    # too, listed in an order the test does not rely on).
    panel = page.locator(f'[id="{toggle.get_attribute("aria-controls")}"]')
    source = panel.locator("tr.source").filter(has_text=STRUCTURED_FILE).first
    source.wait_for()
    file_name = source.locator("td").nth(1).text_content()
    row = source.locator("td.source-row").text_content()
    assert STRUCTURED_FILE.fullmatch(file_name.strip()), file_name
    assert row.strip(), "no row/place in the source"
    source.locator("button.run-toggle").click()
    page.wait_for_selector(".run-detail a")
    assert file_name.strip().split(":")[0].split("/")[-1] in page.text_content(".run-detail")
    # one more click: the raw record as it is in that file, the value's cell highlighted
    source.locator("button.record-toggle").click()
    page.wait_for_selector(".record-detail table.record-fields")
    record = page.locator(".record-detail")
    assert f"{file_name.strip()}:{row.strip()}" in record.locator("h3").text_content()
    shown = name_row.locator("span.value").first.text_content().strip()
    original = source.locator("td").nth(6).text_content().strip()
    marked = record.locator("table.record-fields mark").all_text_contents()
    assert marked, "the value's cell is not highlighted in the source record"
    assert any(shown in m or (original and original in m) for m in marked), (shown, marked)
    assert record.locator("table.record-fields th").count() >= 2  # the whole row, not one cell
    _shot(page, lang, "03b-source-record")
    # documents mention the merged person, the passage highlighted
    assert page.locator("#documents blockquote.passage mark").count() >= 1
    _shot(page, lang, "03-profile-source")
    _no_serious(page, "profile")

    # 4. the link chart: expand twice, find the path to the partner
    page.click(f"a[href='#/chart/entity/{entity_id}']")
    _wait_chart(page, "cy.nodes().length > 1")
    page.wait_for_selector("#node-list option")
    first_count = _chart(page, "cy.nodes().length")
    # a company he directs: its other directors are people of his network
    around = f"cy.getElementById({entity_id!r}).neighborhood('node')"
    neighbour = _chart(
        page,
        f"{around}.filter(n => n.data('schema') === 'Company')"
        f".map(n => n.id())[0] || {around}[0].id()",
    )
    page.select_option("#node-list", neighbour)
    page.click("#expand")
    _wait_chart(page, f"cy.nodes().length > {first_count}")
    second_count = _chart(page, "cy.nodes().length")
    other = _chart(
        page,
        f"cy.nodes(':childless').filter(n => n.id() !== {entity_id!r} && "
        f"n.data('schema') === 'Person').map(n => n.id())[0] || ''",
    )
    assert other, "the first expansion reached no other person"
    page.select_option("#node-list", other)
    # The status still holds the first expansion's message: clear it, so the wait is for
    # this expansion to finish (it lays out and selects when done, which would otherwise
    # land in the middle of the next steps).
    page.evaluate("document.querySelector('#chart-status').textContent = ''")
    page.click("#expand")
    page.wait_for_function("() => document.querySelector('#chart-status').textContent")
    assert _chart(page, "cy.nodes().length") >= second_count
    page.fill("#add-q", PARTNER)
    page.click("#add-form button[type=submit]")
    page.wait_for_function("() => document.querySelectorAll('#add-hits option').length > 0")
    partner = page.evaluate(
        "[...document.querySelectorAll('#add-hits option')]"
        ".find(o => /Person|Asmuo/.test(o.textContent)).value"
    )
    page.select_option("#add-hits", partner)
    # The partner may be on the chart already (an expansion reached him): wait for the add
    # itself to finish (it selects the added node when done), not only for the node.
    page.evaluate("document.querySelector('#chart-status').textContent = ''")
    page.click("#add-node")
    page.wait_for_function("() => document.querySelector('#chart-status').textContent")
    _wait_chart(page, f"cy.getElementById({partner!r}).nonempty()")
    page.select_option("#node-list", [entity_id, partner])
    _wait_chart(page, "cy.nodes(':selected').length === 2")
    page.click("#path")
    _wait_chart(page, "cy.edges('.path').length > 0")
    path_edges = _chart(page, "cy.edges('.path').length")
    # Named together in an intelligence report, the two are linked directly (co_mentioned),
    # so the shortest path may be one edge; both ends must be on it.
    assert path_edges >= 1
    assert _chart(page, f"cy.getElementById({partner!r}).hasClass('path')")
    assert _chart(page, f"cy.getElementById({entity_id!r}).hasClass('path')")
    _shot(page, lang, "04-chart-path")
    _no_serious(page, "chart")

    # 5. save the chart in a new case, reload, see the same chart
    page.fill("#save-title", f"N1 {lang}")
    page.select_option("#save-case", "")
    page.click("#save")
    page.wait_for_function("() => location.hash.startsWith('#/chart/case/')")
    before = _chart(page, SNAPSHOT)
    page.reload()
    _wait_chart(page, f"cy.nodes().length === {len(before['ids'])}")
    after = _chart(page, SNAPSHOT)
    assert after["ids"] == before["ids"]
    assert after["edges"] == before["edges"]
    assert after["pos"] == before["pos"]
    assert after["zoom"] == pytest.approx(before["zoom"])
    # The side panel is filled by the reopening alone (not a second time by a "changed"):
    # the node list has every node, the relation filter every relation.
    assert page.locator("#node-list option").count() == len(after["pos"])
    relations = _chart(page, "[...new Set(cy.edges().map(e => e.data('relation')))]")
    options = page.eval_on_selector_all("#relation option", "os => os.map(o => o.value)")
    assert relations
    assert set(relations) <= set(options)
    _shot(page, lang, "05-chart-reopened")

    # the case lists the chart; its history says who saved it
    case_id = page.evaluate("decodeURIComponent(location.hash.split('/')[3])")
    page.goto(f"{site}/web/analyst/#/cases/{case_id}")
    page.wait_for_selector("table.activity tbody tr")
    assert page.locator(f"a[href^='#/chart/case/{case_id}/']").count() == 1
    _shot(page, lang, "06-case")
    _no_serious(page, "case")

    # a document that mentions him goes into the same case from his profile
    page.goto(f"{site}/web/analyst/#/profile/{entity_id}")
    page.wait_for_selector("#documents button.doc-to-case")
    page.wait_for_function(
        "(id) => [...document.querySelectorAll('#case-pick option')].some(o => o.value === id)",
        arg=case_id,
    )
    page.select_option("#case-pick", case_id)
    doc_title = page.get_attribute("#documents button.doc-to-case", "data-title")
    page.click("#documents button.doc-to-case")
    page.wait_for_function("() => document.querySelector('#case-status').textContent.length > 0")
    page.goto(f"{site}/web/analyst/#/cases/{case_id}")
    page.wait_for_selector("a[href^='/api/documents/']")
    assert doc_title in page.text_content("main")
    assert page.locator("table.activity tbody tr").count() >= 2  # the chart, then the document
    _shot(page, lang, "07-case-document")
    page.goto(f"{site}/web/analyst/#/cases")
    page.wait_for_selector("table.cases-list tbody tr")
    _no_serious(page, "cases")
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
    page.context.close()


#: What names a control across re-renders (a page may redraw its lists while it is tabbed).
SIGNATURE = """(el) => [el.tagName, el.id, el.getAttribute('href'), el.name, el.type === 'checkbox'
  || el.tagName === 'BUTTON' ? el.value : '', el.dataset.facet, el.dataset.statement,
  el.dataset.alert, (el.textContent || '').trim().slice(0, 40)].join('|')"""
#: Every control a page offers (visible, enabled, in the tab order).
CONTROLS = f"""() => {{
  const sign = {SIGNATURE};
  const sel = ['a[href]', 'button:not([disabled])', 'input:not([disabled]):not([type=hidden])',
    'select:not([disabled])', 'textarea:not([disabled])', '[tabindex]:not([tabindex="-1"])']
    .map((s) => '#view ' + s).join(', ');
  const shown = (el) => el.getClientRects().length > 0 && !el.closest('[hidden]')
    && getComputedStyle(el).visibility !== 'hidden';
  return [...new Set([...document.querySelectorAll(sel)]
    .filter((el) => shown(el) && el.tabIndex >= 0).map(sign))];
}}"""
#: The focused control: its signature (inside the view), and whether its focus ring is drawn.
FOCUSED = f"""() => {{ const el = document.activeElement; const s = getComputedStyle(el);
  return {{sign: el.closest('#view') ? ({SIGNATURE})(el) : null,
    ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0}}; }}"""


def _tab_through(page: Any, where: str) -> None:
    """Tab from the top of the page: every control of the view gets the focus, each with a
    visible focus ring."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # the page's answers are drawn
    controls = page.evaluate(CONTROLS)
    assert controls, f"{where}: no controls found"
    page.focus("#skip-link")
    reached, no_ring = set(), []
    for _ in range(len(controls) + 60):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED)
        if now["sign"] is not None:
            reached.add(now["sign"])
            if not now["ring"]:
                no_ring.append(now["sign"])
        if reached >= set(controls):
            break
    missing = [c for c in page.evaluate(CONTROLS) if c not in reached]
    assert missing == [], f"{where}: not reachable by Tab: {missing[:5]}"
    assert no_ring == [], f"{where}: focus not visible on {no_ring[:5]}"


def test_every_control_is_reached_by_keyboard_with_visible_focus(
    site: str, chromium: Any, world: dict[str, Any]
) -> None:
    page = _page(chromium, "en")
    page.goto(f"{site}/web/analyst/")
    page.wait_for_selector("#login-form")
    sign_in(page, "ana")
    page.wait_for_selector("#q")
    page.fill("#q", SMUGGLER)
    page.press("#q", "Enter")
    page.wait_for_selector("#hits li")
    page.check("aside.facets input[data-facet=schema][value=Person]")
    page.wait_for_function("() => document.querySelectorAll('#hits li').length > 0")
    _tab_through(page, "search")
    page.click("#hits li a.hit")
    page.wait_for_selector(".profile #properties table")
    panel = page.locator("[id^=src-]", has=page.locator("button.record-toggle")).first
    panel_id = panel.get_attribute("id")
    page.click(f"button.sources-toggle[aria-controls='{panel_id}']")
    panel.locator("button.record-toggle").first.click()
    page.wait_for_selector(".record-detail table.record-fields")
    _tab_through(page, "profile")
    entity_id = page.evaluate("decodeURIComponent(location.hash.split('/')[2])")
    page.goto(f"{site}/web/analyst/#/chart/entity/{entity_id}")
    _wait_chart(page, "cy.nodes().length > 1")
    _tab_through(page, "chart")
    # (the import page of this analyst, not an administrator, has no controls: the quarantine)
    for page_hash in ("#/cases", "#/alerts", "#/timeline", "#/review"):
        page.goto(f"{site}/web/analyst/{page_hash}")
        page.reload()  # a fresh load: the view holds this page, not the last one
        page.wait_for_function("() => document.querySelector('#view').children.length > 0")
        page.wait_for_timeout(300)  # the page's first data
        _tab_through(page, page_hash)
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
    page.context.close()
