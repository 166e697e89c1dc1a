"""Dragging a node on a big link chart (chart/drag.js) in headless Chromium: every link stays
drawn during the drag (the links of the dragged node follow it on Cytoscape's drag layer, all
others stay on the main layer), and the main layer is drawn once for the drag, not on every
move (that redraw of all elements is what made the drag slow). Read from the chart's own
canvases: the main layer's and the drag layer's pixels, and how often the main layer is
cleared. The control case drags with Cytoscape's own handling, which redraws the main layer
on the moves, so the count means something."""

from __future__ import annotations

from typing import Any

import pytest
from web_helpers import Site

# A grid of nodes, each linked to its right and lower neighbour, heavy links (thick lines, so
# a pixel test is not at the mercy of antialiasing), above the size where the chart hides links
# while the view moves (options.js BIG). Resolves when the chart has drawn once.
BUILD = """async ({side, plainDrag}) => {
  const { loadCytoscape } = await import('/web/analyst/chart/loader.js');
  const { createChart, BIG } = await import('/web/analyst/chart/options.js');
  const { nodeElement, edgeElement } = await import('/web/analyst/chart/elements.js');
  const cytoscape = await loadCytoscape();
  const els = [];
  const id = (i, j) => `n${i}-${j}`;
  const link = (name, source, target) => edgeElement({id: name, source, target,
    relation: 'associate', weight: 1000});
  for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) {
    els.push(nodeElement({id: id(i, j), label: id(i, j), schema: 'Person'},
      {x: 90 * i, y: 90 * j}));
  }
  for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) {
    if (i + 1 < side) els.push(link(`r${i}-${j}`, id(i, j), id(i + 1, j)));
    if (j + 1 < side) els.push(link(`d${i}-${j}`, id(i, j), id(i, j + 1)));
  }
  document.body.innerHTML = '<div id="cy" style="width: 900px; height: 700px"></div>';
  const cy = createChart(cytoscape, document.getElementById('cy'), {}, {plainDrag});
  cy.add(els);
  cy.zoom(1); cy.center(cy.getElementById(id(side / 2, side / 2)));
  window.cy = cy;
  // Count the clears of each layer (the renderer clears a layer before drawing it).
  window.clears = {};
  for (const canvas of cy.container().querySelectorAll('canvas[data-id]')) {
    const ctx = canvas.getContext('2d'); const name = canvas.dataset.id;
    window.clears[name] = 0;
    const clear = ctx.clearRect;
    ctx.clearRect = function (...a) { window.clears[name]++; return clear.apply(this, a); };
  }
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  return {elements: cy.elements().length, big: BIG};
}"""

# Whether a layer has something drawn (alpha > 0) within 2 px of a rendered point.
INKED = """([layer, x, y]) => {
  const canvas = window.cy.container().querySelector(`canvas[data-id="${layer}"]`);
  const px = canvas.getContext('2d').getImageData(Math.round(x) - 2, Math.round(y) - 2, 5, 5).data;
  for (let k = 3; k < px.length; k += 4) if (px[k] > 0) return true;
  return false;
}"""

# Rendered midpoints: a link far from the dragged node, and one of the dragged node's links.
MIDPOINTS = """([dragged, far]) => {
  const cy = window.cy;
  const mid = (e) => {
    const a = e.source().renderedPosition(); const b = e.target().renderedPosition();
    return [(a.x + b.x) / 2, (a.y + b.y) / 2];
  };
  const own = cy.getElementById(dragged).connectedEdges()[0];
  return {far: mid(cy.getElementById(far)), own: mid(own)};
}"""

FRAME = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _open(browser: Any, site: Site, plain: bool) -> Any:
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site.url}/web/index.html")
    info = page.evaluate(BUILD, {"side": 30, "plainDrag": plain})
    assert info["elements"] > info["big"], info  # links are hidden while the view moves
    page.errors = errors  # type: ignore[attr-defined]
    return page


def _drag(page: Any, node: str, far: str, moves: int) -> dict[str, Any]:
    """Presses on ``node``, moves it in ``moves`` steps and, still holding it, reads the layers."""
    box = page.evaluate("() => window.cy.container().getBoundingClientRect().toJSON()")
    at = page.evaluate(f"() => window.cy.getElementById('{node}').renderedPosition()")
    x, y = box["x"] + at["x"], box["y"] + at["y"]
    page.mouse.move(x, y)
    page.mouse.down()
    page.evaluate(FRAME)
    before = page.evaluate("() => ({...window.clears})")
    for step in range(1, moves + 1):
        page.mouse.move(x + 3 * step, y + 2 * step)
        page.evaluate(FRAME)
    during = page.evaluate("() => ({...window.clears})")
    mids = page.evaluate(MIDPOINTS, [node, far])
    inked = {
        "far_on_main": page.evaluate(INKED, ["layer2-node", *mids["far"]]),
        "own_on_drag": page.evaluate(INKED, ["layer1-drag", *mids["own"]]),
        "own_on_main": page.evaluate(INKED, ["layer2-node", *mids["own"]]),
    }
    page.mouse.up()
    page.evaluate(FRAME)
    after = page.evaluate("() => ({...window.clears})")
    moved = page.evaluate(f"() => window.cy.getElementById('{node}').renderedPosition()")
    own_after = page.evaluate(MIDPOINTS, [node, far])["own"]
    inked["own_on_main_after"] = page.evaluate(INKED, ["layer2-node", *own_after])
    main = "layer2-node"
    return {
        "main_during": during[main] - before[main],
        "drag_during": during["layer1-drag"] - before["layer1-drag"],
        "main_after": after[main] - during[main],
        "moved": (moved["x"] - at["x"], moved["y"] - at["y"]),
        **inked,
    }


def test_links_stay_drawn_and_the_main_layer_is_drawn_once_per_drag(
    browser: Any, site: Site
) -> None:
    page = _open(browser, site, plain=False)
    try:
        result = _drag(page, "n15-15", far="r12-13", moves=12)
        assert result["far_on_main"], result  # the other links are not hidden during the drag
        assert result["own_on_drag"], result  # the dragged node's link follows it
        assert not result["own_on_main"], result  # ... and is not left behind on the main layer
        # The drag layer follows every move (the first is under Cytoscape's 4-px threshold).
        assert result["drag_during"] >= 11, result
        assert result["main_during"] <= 2, result  # the main layer is not redrawn per move
        assert result["main_after"] >= 1, result  # after the drop it is drawn again ...
        assert result["own_on_main_after"], result  # ... with the link where the node now is
        assert result["moved"] == pytest.approx((36, 24), abs=1), result
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.close()


def test_control_cytoscapes_own_drag_redraws_the_main_layer(browser: Any, site: Site) -> None:
    """Without drag.js the main layer is cleared on the moves: what the first test's count is
    compared with."""
    page = _open(browser, site, plain=True)
    try:
        result = _drag(page, "n15-15", far="r12-13", moves=12)
        assert result["main_during"] > 2, result
        assert result["far_on_main"], result
        assert result["own_on_drag"], result
        assert result["moved"] == pytest.approx((36, 24), abs=1), result
    finally:
        page.close()
