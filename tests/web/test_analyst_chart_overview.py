"""The overview of a big link chart (chart/overview.js) in headless Chromium: below the overview
zoom a chart of more than BIG elements draws its links thin (0.6-2 model px), still thicker by
weight; zoomed in they get their full width by weight again; a small chart keeps the full
widths at every zoom. A reopened chart gets the class of its saved view with its elements (no
restyle after the first frame), and the class is never saved with the chart. Widths are read
from the style the renderer draws with (``pstyle``)."""

from __future__ import annotations

from typing import Any

import pytest
from web_helpers import Site

# A saved chart (chartState's shape) of a side × side grid, each node linked to its right and
# lower neighbour, the weights cycling through 1, 10, 100, 1000; reopened with the workbench's
# restoreState at `zoom`. Returns what the links look like before any frame is drawn.
REOPEN = """async ({side, zoom}) => {
  const { loadCytoscape } = await import('/web/analyst/chart/loader.js');
  const { createChart, BIG } = await import('/web/analyst/chart/options.js');
  const { nodeElement, edgeElement, restoreState, chartState } =
    await import('/web/analyst/chart/elements.js');
  const { OVERVIEW_ZOOM } = await import('/web/analyst/chart/overview.js');
  const cytoscape = await loadCytoscape();
  const id = (i, j) => `n${i}-${j}`;
  const nodes = [];
  const edges = [];
  for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) {
    nodes.push({id: id(i, j), data: nodeElement({id: id(i, j), schema: 'Person'}).data,
      position: {x: 90 * i, y: 90 * j}, classes: []});
  }
  let k = 0;
  const link = (name, source, target) => {
    const el = edgeElement({id: name, source, target, relation: 'associate',
      weight: 10 ** (k++ % 4)});
    edges.push({id: name, source, target, data: el.data, classes: el.classes});
  };
  for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) {
    if (i + 1 < side) link(`r${i}-${j}`, id(i, j), id(i + 1, j));
    if (j + 1 < side) link(`d${i}-${j}`, id(i, j), id(i, j + 1));
  }
  document.body.innerHTML = '<div id="cy" style="width: 900px; height: 700px"></div>';
  const cy = createChart(cytoscape, document.getElementById('cy'));
  window.cy = cy;
  window.chartState = chartState;
  restoreState(cy, {nodes, edges, groups: [], view: {zoom, pan: {x: 20, y: 20}}});
  const at = {overview: cy.edges('.overview').length, edges: cy.edges().length,
    elements: cy.elements().length, big: BIG, overviewZoom: OVERVIEW_ZOOM, zoom: cy.zoom()};
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  return at;
}"""

# Width drawn and width by weight (data w) of one link per weight.
WIDTHS = """() => {
  const out = {};
  for (const e of window.cy.edges()) {
    const weight = e.data('weight');
    if (!(weight in out)) {
      out[weight] = {drawn: e.pstyle('width').pfValue, full: e.data('w'),
        overview: e.hasClass('overview')};
    }
  }
  return out;
}"""


def _reopen(browser: Any, site: Site, side: int, zoom: float) -> tuple[Any, dict[str, Any]]:
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site.url}/web/index.html")
    info = page.evaluate(REOPEN, {"side": side, "zoom": zoom})
    page.errors = errors  # type: ignore[attr-defined]
    return page, info


def _zoom(page: Any, zoom: float) -> None:
    # A statement body: cy.zoom(z) returns the chart, which Playwright would serialise whole
    # (seconds of the page's time for 2,640 elements; most of this file's run).
    page.evaluate(f"() => {{ window.cy.zoom({zoom}); }}")


def _full_widths(page: Any) -> dict[str, Any]:
    """The links' widths by weight, each asserted drawn at its full (zoomed-in) width."""
    widths = page.evaluate(WIDTHS)
    assert all(t["drawn"] == pytest.approx(t["full"]) for t in widths.values()), widths
    return widths


def test_big_chart_draws_thin_links_by_weight_at_overview_and_full_width_zoomed_in(
    browser: Any, site: Site
) -> None:
    page, info = _reopen(browser, site, side=30, zoom=0.3)
    try:
        assert info["elements"] > info["big"], info
        assert info["zoom"] == pytest.approx(0.3), info
        assert info["zoom"] < info["overviewZoom"], info
        # Every link had the class before the first frame: styled once, as reopened.
        assert info["overview"] == info["edges"] > 0, info
        thin = page.evaluate(WIDTHS)
        drawn = [thin[w]["drawn"] for w in sorted(thin, key=float)]
        assert len(drawn) == 4, thin
        assert all(t["overview"] for t in thin.values()), thin
        assert drawn == sorted(drawn), thin  # still by weight ...
        assert drawn[0] < drawn[-1], thin
        assert drawn[0] >= 0.6 - 1e-6, thin  # ... within 0.6-2 model px
        assert drawn[-1] <= 2 + 1e-6, thin
        assert all(t["drawn"] < t["full"] for t in thin.values()), thin

        # Zoomed in past the overview: the full widths once the zoom has settled.
        _zoom(page, 1)
        page.wait_for_function("() => window.cy.edges('.overview').empty()", timeout=5000)
        full = _full_widths(page)
        assert full["1000"]["drawn"] > 2 * full["1"]["drawn"], full

        # Back out: thin again; the class is the chart's state, not saved with it.
        _zoom(page, 0.3)
        page.wait_for_function(
            "() => window.cy.edges('.overview').length === window.cy.edges().length",
            timeout=5000,
        )
        saved = page.evaluate("() => window.chartState(window.cy, {})")
        assert saved["edges"]
        assert all("overview" not in e["classes"] for e in saved["edges"])
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.close()


def test_small_chart_keeps_full_widths_at_every_zoom(browser: Any, site: Site) -> None:
    page, info = _reopen(browser, site, side=10, zoom=0.3)
    try:
        assert info["elements"] <= info["big"], info
        assert info["overview"] == 0, info
        page.wait_for_timeout(400)  # past the zoom's settling: still no overview
        widths = _full_widths(page)
        assert not any(t["overview"] for t in widths.values()), widths
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.close()


def test_big_chart_reopened_zoomed_in_has_full_widths(browser: Any, site: Site) -> None:
    page, info = _reopen(browser, site, side=30, zoom=1.0)
    try:
        assert info["elements"] > info["big"], info
        assert info["overview"] == 0, info
        _full_widths(page)
    finally:
        page.close()
