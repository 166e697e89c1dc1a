// The draft of a big chart: Pivot MDS (Brandes & Pich, "Eigensolver methods for progressive
// multidimensional scaling of large data", 2006) on plain typed arrays. fcose's own draft is
// the same kind of layout (classical scaling of graph distances to sampled nodes), but on a
// 2,000-node chart ~60% of its 0.7 s went to Cytoscape collection work (components,
// neighbourhoods) rather than to the arithmetic; this is the arithmetic alone, ~20 ms
// (docs/benchmarks.md, issue 17). Written here, not taken from a package, because no
// permissively licensed npm package offers Pivot MDS for the browser without a graph
// library's own data structures around it.
//
// Loaded by the layout worker with importScripts (a classic worker script: no `export`);
// `pivotDraft` is the one global it defines.

/* exported pivotDraft */
// Positions for `n` nodes linked by `edges` (pairs of node indices), `unit` px per hop:
// a Float64Array [x0, y0, x1, y1, ...]. Each connected component is laid out on its own and
// the components are packed in rows, largest first. Deterministic: the same graph gives the
// same picture.
function pivotDraft(n, edges, unit, pivots = 50) {
  const { start, adj } = csr(n, edges);
  const out = new Float64Array(2 * n);
  const boxes = [];
  for (const members of components(n, start, adj)) {
    boxes.push(layOutComponent(members, start, adj, unit, pivots, out));
  }
  pack(boxes, out, unit);
  return out;
}

// Compressed adjacency: the neighbours of node i are adj[start[i] .. start[i + 1]).
function csr(n, edges) {
  const degree = new Int32Array(n + 1);
  for (const [s, t] of edges) { if (s !== t) { degree[s] += 1; degree[t] += 1; } }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + degree[i];
  const fill = start.slice(0, n);
  const adj = new Int32Array(start[n]);
  for (const [s, t] of edges) {
    if (s === t) continue;
    adj[fill[s]++] = t;
    adj[fill[t]++] = s;
  }
  return { start, adj };
}

// The connected components as arrays of node indices, largest first (ties: lowest index).
function components(n, start, adj) {
  const dist = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const found = [];
  for (let root = 0; root < n; root++) {
    if (dist[root] >= 0) continue;
    const reached = walk(root, start, adj, dist, queue);
    found.push(Array.from(queue.subarray(0, reached)));
  }
  return found.sort((a, b) => b.length - a.length || a[0] - b[0]);
}

// Breadth-first from `source` over the nodes whose `dist` is -1: sets their hop distances,
// leaves them in `queue` in the order reached; returns how many were reached.
function walk(source, start, adj, dist, queue) {
  let head = 0, tail = 0;
  queue[tail++] = source;
  dist[source] = 0;
  while (head < tail) {
    const v = queue[head++];
    for (let e = start[v]; e < start[v + 1]; e++) {
      const w = adj[e];
      if (dist[w] < 0) { dist[w] = dist[v] + 1; queue[tail++] = w; }
    }
  }
  return tail;
}

// Lays one component out into `out` (centred on the origin); returns its bounding box.
function layOutComponent(members, start, adj, unit, pivots, out) {
  const m = members.length;
  if (m <= 2) {
    members.forEach((v, i) => { out[2 * v] = i * unit; out[2 * v + 1] = 0; });
    return { members, w: (m - 1) * unit, h: 0 };
  }
  const n = start.length - 1;
  const k = Math.min(pivots, m);
  const dist = new Int32Array(n);
  const queue = new Int32Array(n);
  // Pivots by max-min distance: the best-connected node first, then each the node farthest
  // from the pivots chosen so far (spread over the component, so each part is seen).
  let first = members[0];
  for (const v of members) if (start[v + 1] - start[v] > start[first + 1] - start[first]) first = v;
  const nearest = new Float64Array(m).fill(Infinity);
  const squared = new Float64Array(m * k); // member i, pivot j: d²
  let pivot = first;
  for (let j = 0; j < k; j++) {
    for (const v of members) dist[v] = -1;
    walk(pivot, start, adj, dist, queue);
    let far = 0;
    for (let i = 0; i < m; i++) {
      const d = dist[members[i]];
      squared[i * k + j] = d * d;
      if (d < nearest[i]) nearest[i] = d;
      if (nearest[i] > nearest[far]) far = i;
    }
    pivot = members[far];
  }
  // Double centring: B = -1/2 (D² - row means - column means + grand mean).
  const rows = new Float64Array(m), cols = new Float64Array(k);
  let grand = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) {
      const v = squared[i * k + j];
      rows[i] += v / k; cols[j] += v / m; grand += v / (m * k);
    }
  }
  const b = squared; // in place
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) b[i * k + j] = -0.5 * (b[i * k + j] - rows[i] - cols[j] + grand);
  }
  // The two leading eigenvectors of BᵀB (k × k) by power iteration with deflation; the
  // coordinates are B times them, scaled so one hop is about `unit`.
  const btb = new Float64Array(k * k);
  for (let i = 0; i < m; i++) {
    for (let a = 0; a < k; a++) {
      const ba = b[i * k + a];
      if (ba === 0) continue;
      for (let c = 0; c < k; c++) btb[a * k + c] += ba * b[i * k + c];
    }
  }
  const axes = [];
  for (let d = 0; d < 2; d++) axes.push(leading(btb, k, axes));
  const coords = [new Float64Array(m), new Float64Array(m)];
  for (let d = 0; d < 2; d++) {
    const v = axes[d];
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += b[i * k + j] * v[j];
      coords[d][i] = s;
    }
  }
  // One hop in the picture: the mean drawn length of the component's links, set to `unit`.
  const index = new Map(members.map((v, i) => [v, i]));
  let total = 0, links = 0;
  for (let i = 0; i < m; i++) {
    const v = members[i];
    for (let e = start[v]; e < start[v + 1]; e++) {
      const w = index.get(adj[e]);
      if (w > i) {
        total += Math.hypot(coords[0][i] - coords[0][w], coords[1][i] - coords[1][w]);
        links += 1;
      }
    }
  }
  const scale = total > 0 ? unit / (total / links) : unit;
  let x1 = Infinity, x2 = -Infinity, y1 = Infinity, y2 = -Infinity;
  for (let i = 0; i < m; i++) {
    const x = coords[0][i] * scale, y = coords[1][i] * scale;
    out[2 * members[i]] = x; out[2 * members[i] + 1] = y;
    x1 = Math.min(x1, x); x2 = Math.max(x2, x); y1 = Math.min(y1, y); y2 = Math.max(y2, y);
  }
  for (const v of members) { out[2 * v] -= (x1 + x2) / 2; out[2 * v + 1] -= (y1 + y2) / 2; }
  return { members, w: x2 - x1, h: y2 - y1 };
}

// The leading eigenvector of the symmetric `k` × `k` matrix `a`, orthogonal to `found`.
function leading(a, k, found) {
  let v = new Float64Array(k);
  for (let j = 0; j < k; j++) v[j] = 1 + ((j * 7919) % 13) / 13; // fixed, not axis-aligned
  for (let round = 0; round < 200; round++) {
    for (const u of found) {
      let dot = 0;
      for (let j = 0; j < k; j++) dot += v[j] * u[j];
      for (let j = 0; j < k; j++) v[j] -= dot * u[j];
    }
    const next = new Float64Array(k);
    for (let r = 0; r < k; r++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += a[r * k + c] * v[c];
      next[r] = s;
    }
    const norm = Math.hypot(...next);
    if (!(norm > 0)) return v.map(() => 0);
    let change = 0;
    for (let j = 0; j < k; j++) { next[j] /= norm; change += Math.abs(next[j] - v[j]); }
    v = next;
    if (change < 1e-9) break;
  }
  return v;
}

// Components side by side in rows about as wide as the whole is tall, a `unit` apart.
function pack(boxes, out, unit) {
  const area = boxes.reduce((s, b) => s + (b.w + unit) * (b.h + unit), 0);
  const width = Math.max(Math.sqrt(area), boxes.length ? boxes[0].w + unit : 0);
  let x = 0, y = 0, row = 0;
  for (const box of boxes) {
    if (x > 0 && x + box.w > width) { x = 0; y += row + unit; row = 0; }
    const dx = x + box.w / 2, dy = y + box.h / 2;
    for (const v of box.members) { out[2 * v] += dx; out[2 * v + 1] += dy; }
    x += box.w + unit;
    row = Math.max(row, box.h);
  }
}
