// Two passes Cytoscape repeats for elements that have just been added, skipped where the
// result is the same (issue 17, docs/benchmarks.md "Session 9: chart first render"). A
// profile of the first frame of a new 2,000-node / 5,000-link chart showed both:
//
// - Style triggers on an element's first style. Each property Cytoscape applies runs
//   triggers that invalidate what was derived from the element's previous value: its style
//   caches and those of its links (a new collection of the node's links per property), its
//   bounding box and its links' (a `bounds` event each), the z-order. An element that has
//   never been styled has no previous value and nothing derived from it: whatever reads its
//   style goes through `pstyle`, which applies the style first. On a new chart these
//   triggers were 40 % of the first style pass (≈ 0.2 s).
// - A second pass over every element drawn. The renderer recalculates the rendered style
//   (label sizes, link end points) of the elements that changed before it draws a frame,
//   but computes their bounding boxes only when it draws them; a box computed for the first
//   time reports the element's bounds as changed, which queues the element again, so the
//   next frame recalculated all 7,000 (≈ 0.25 s, before the chart was settled). Here the
//   boxes are computed right after the rendered style, while the renderer is still working
//   off that queue (it starts a new one after it), so nothing is queued again.
//
// This relies on parts of Cytoscape that are not public API (checked against the vendored
// 3.35: the stylesheet's `checkTriggers` and an element's `_private.appliedInitStyle`,
// undefined until its first style, `false` after a stylesheet is cleared; the renderer's
// `onUpdateEleCalcs`, whose callbacks get the queue just before `recalculateRenderedStyle`
// is called with it). Each is feature-detected: without it the chart is drawn as before.

// Skips the style triggers of an element's first style, for every chart of the page (the
// stylesheet's prototype is shared). Idempotent.
export function skipFirstStyleTriggers(cy) {
  const style = cy.style();
  const proto = style && Object.getPrototypeOf(style);
  if (!proto || typeof proto.checkTriggers !== "function" || proto.checkTriggers.firstSkipped) {
    return false;
  }
  const checkTriggers = proto.checkTriggers;
  const skipping = function checkTriggersAfterFirstStyle(ele, ...rest) {
    // `undefined`: never styled since it was made (not `false`: restyled after a clear).
    if (ele._private && ele._private.appliedInitStyle === undefined) return undefined;
    return checkTriggers.call(this, ele, ...rest);
  };
  skipping.firstSkipped = true;
  proto.checkTriggers = skipping;
  return true;
}

// Computes the bounding boxes of the elements whose rendered style the renderer has just
// recalculated, before it draws them.
export function boundsWithRenderedStyle(cy) {
  const r = cy.renderer();
  if (!r || typeof r.onUpdateEleCalcs !== "function"
    || typeof r.recalculateRenderedStyle !== "function") return false;
  let queued = null; // the queue the renderer is about to recalculate
  r.onUpdateEleCalcs((willDraw, eles) => { queued = eles; });
  const recalculate = r.recalculateRenderedStyle;
  r.recalculateRenderedStyle = function recalculateWithBounds(eles, useCache) {
    const out = recalculate.call(this, eles, useCache);
    if (eles === queued) {
      queued = null;
      const live = cy.destroyed() ? null : eles.filter((ele) => !ele.removed());
      if (live && live.nonempty()) live.boundingBox();
    }
    return out;
  };
  return true;
}
