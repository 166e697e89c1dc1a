"""The link chart's force layout (chart/force.js, chart/layout-worker.js) in headless Chromium:
a new chart laid out in the layout worker and added with its positions and a fitted view (the
workbench's and the bench's `addLaidOut`), and a drawn chart laid out again (the toolbar's
force layout). The graphs have planted groups (dense inside, a few links between), so a real
force-directed layout puts linked nodes and group members closer than random pairs; random or
unapplied positions fail the checks."""

from __future__ import annotations

from typing import Any

import pytest
from web_helpers import Site

# `groups` groups of `size` nodes: a path through each group plus `inside` random links per
# node, and `between` links between random groups. Seeded, so every run lays out one graph.
GRAPH = """({groups, size, inside, between}) => {
  let seed = 11;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const nodes = [], edges = [];
  const id = (g, i) => `g${g}-${i}`;
  for (let g = 0; g < groups; g++) for (let i = 0; i < size; i++) {
    nodes.push({id: id(g, i), label: `Person ${g}.${i}`, schema: 'Person', group: g});
    if (i) edges.push([id(g, i - 1), id(g, i)]);
    for (let k = 0; k < inside; k++) edges.push([id(g, i), id(g, Math.floor(rnd() * size))]);
  }
  for (let k = 0; k < between; k++) {
    edges.push([id(Math.floor(rnd() * groups), Math.floor(rnd() * size)),
      id(Math.floor(rnd() * groups), Math.floor(rnd() * size))]);
  }
  return {nodes, edges: edges.filter(([s, t]) => s !== t)};
}"""

# Mean distances over the chart's node positions: links, random pairs, pairs in one group and
# pairs in two groups; how many positions are distinct, whether any node is at the origin, and
# whether every node is inside the view.
MEASURE = """(groupOf) => {
  const cy = window.cy;
  const nodes = cy.nodes().toArray();
  const d = (a, b) => Math.hypot(a.position('x') - b.position('x'),
    a.position('y') - b.position('y'));
  let seed = 5;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const link = mean(cy.edges().map((e) => d(e.source(), e.target())));
  const same = [], other = [], random = [];
  for (let k = 0; k < 4000; k++) {
    const a = nodes[Math.floor(rnd() * nodes.length)], b = nodes[Math.floor(rnd() * nodes.length)];
    if (a === b) continue;
    random.push(d(a, b));
    (groupOf[a.id()] === groupOf[b.id()] ? same : other).push(d(a, b));
  }
  const key = (n) => `${Math.round(n.position('x'))},${Math.round(n.position('y'))}`;
  const keys = new Set(nodes.map(key));
  const ext = cy.extent();
  const inView = nodes.every((n) => { const p = n.position();
    return p.x >= ext.x1 && p.x <= ext.x2 && p.y >= ext.y1 && p.y <= ext.y2; });
  return {link: link, random: mean(random), same: mean(same), other: mean(other),
    distinct: keys.size, n: nodes.length, atOrigin: nodes.some((n) =>
      n.position('x') === 0 && n.position('y') === 0), inView,
    finite: nodes.every((n) => Number.isFinite(n.position('x'))
      && Number.isFinite(n.position('y')))};
}"""

# The start of both page scripts below: the workbench's modules and an empty chart (window.cy).
NEW_CHART = """  const { loadCytoscape } = await import('/web/analyst/chart/loader.js');
  const { createChart } = await import('/web/analyst/chart/options.js');
  const { nodeElement, edgeElement } = await import('/web/analyst/chart/elements.js');
  const cytoscape = await loadCytoscape();
  document.body.innerHTML = '<div id="cy" style="width: 900px; height: 700px"></div>';
  const cy = createChart(cytoscape, document.getElementById('cy'));
  window.cy = cy;
"""

FRESH = (
    """async (graph) => {
  const { addLaidOut } = await import('/web/analyst/chart/force.js');
"""
    + NEW_CHART
    + """  const els = graph.nodes.map((n) => nodeElement(n, null));
  graph.edges.forEach(([source, target], i) => els.push(edgeElement({id: `e${i}`, source,
    target, relation: 'associate', weight: 1})));
  const added = await addLaidOut(cy, els);
  return {added: added.length, elements: els.length};
}"""
)

# A drawn chart (nodes on a random square, one pinned) laid out again with the workbench's
# runLayout: the pinned node keeps its place.
AGAIN = (
    """async (graph) => {
  const { runLayout } = await import('/web/analyst/chart/layouts.js');
"""
    + NEW_CHART
    + """  let seed = 3;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const els = graph.nodes.map((n) => nodeElement(n, {x: rnd() * 3000, y: rnd() * 3000}));
  graph.edges.forEach(([source, target], i) => els.push(edgeElement({id: `e${i}`, source,
    target, relation: 'associate', weight: 1})));
  cy.add(els);
  const pinned = cy.nodes()[7];
  pinned.addClass('pinned').lock();
  const before = {...pinned.position()};
  await runLayout(cy, 'force', {incremental: false});
  return {before, after: {...pinned.position()}};
}"""
)


def _open(browser: Any, site: Site) -> Any:
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site.url}/web/index.html")
    page.errors = errors  # type: ignore[attr-defined]
    return page


def _check_layout(m: dict[str, Any]) -> None:
    assert m["finite"], m
    assert not m["atOrigin"], m
    assert m["distinct"] > 0.9 * m["n"], m  # not stacked on a few spots
    # Random positions give ratios of about 1.
    assert m["link"] < 0.65 * m["random"], m  # linked nodes close together
    assert m["same"] < 0.7 * m["other"], m  # groups visibly grouped


@pytest.mark.parametrize(
    ("groups", "size", "between"),
    [(12, 100, 36), (3, 400, 0), (6, 25, 18)],
    ids=["draft-1200", "draft-1200-three-components", "full-150"],
)
def test_new_chart_is_laid_out_in_the_worker_and_fitted(
    browser: Any, site: Site, groups: int, size: int, between: int
) -> None:
    """Above 1,000 nodes the draft (Pivot MDS), also of a chart in several components (each
    laid out on its own and packed beside the others); up to it fcose's full layout."""
    page = _open(browser, site)
    try:
        graph = page.evaluate(GRAPH, {"groups": groups, "size": size, "inside": 2,
                                      "between": between})  # fmt: skip
        added = page.evaluate(FRESH, graph)
        assert added["added"] == added["elements"]
        # The layout ran in the worker (a worker started from the chart's script).
        assert any(w.url.endswith("/web/analyst/chart/layout-worker.js") for w in page.workers)
        group_of = {n["id"]: n["group"] for n in graph["nodes"]}
        m = page.evaluate(MEASURE, group_of)
        assert m["n"] == groups * size
        _check_layout(m)
        assert m["inView"], m  # the fitted view shows every node
        assert page.evaluate("() => window.cy.zoom()") <= 4
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.close()


def test_drawn_chart_laid_out_again_keeps_pinned_nodes(browser: Any, site: Site) -> None:
    page = _open(browser, site)
    try:
        graph = page.evaluate(GRAPH, {"groups": 6, "size": 30, "inside": 2, "between": 18})
        group_of = {n["id"]: n["group"] for n in graph["nodes"]}
        out = page.evaluate(AGAIN, graph)
        assert out["after"] == out["before"]
        m = page.evaluate(MEASURE, group_of)
        _check_layout(m)
        assert m["inView"], m
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.close()
