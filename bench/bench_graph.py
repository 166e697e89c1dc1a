"""Benchmark: the graph projection against NetworkX on one synthetic power-law graph.

Measured in the same run on the same edge arrays (1,000,000 nodes / 5,000,000 edges by
default, Chung-Lu power-law degrees):

* build time and memory: our projection (edge arrays + CSR) vs ``networkx.MultiGraph`` with
  the same edge attributes, each built in a fresh child process (peak RSS above the baseline);
* filtered 2-hop expansion capped for a chart, and shortest path, end to end through the API
  as it is served (``bench/graph_served.py``: the app as ``pasienis serve`` builds it, under
  uvicorn pinned to one core; a keep-alive ``http.client`` loop in its own process pinned to
  the other, one request at a time: authentication, compartments, audit, JSON, HTTP) —
  p50/p99, each request's server and client CPU time — vs NetworkX's raw calls on the same
  graph, interleaved with the API's in chunks of the same seeds; a bare FastAPI handler
  served the same way in the same run (the HTTP floor). ``--ab-src DIR`` serves the app from
  another source tree too (e.g. main's ``src``), requests interleaved: a same-run A/B.
  ``--testclient`` adds the earlier in-process harness (Starlette's TestClient), labelled;
* Louvain, PageRank and betweenness on a subgraph: networkit (and rustworkx for betweenness)
  vs NetworkX.

Run: ``python bench/bench_graph.py [--nodes 1000000] [--edges 5000000] [--queries 200]
[--skip-builds] [--skip-analytics] [--ab-src /work/main/src] [--raw FILE.json]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
RELS = ("ownership", "directorship", "drove", "shares_phone", "associate")
SCHEMATA = ("Person", "Company", "Vehicle")
DATASET = "synthetic"


def power_law_edges(n: int, m: int, seed: int = 1) -> dict[str, np.ndarray]:
    """Chung-Lu: endpoints drawn with probability proportional to Pareto node weights."""
    rng = np.random.default_rng(seed)
    w = rng.pareto(1.6, n) + 1.0
    cum = np.cumsum(w)
    cum /= cum[-1]
    src = np.searchsorted(cum, rng.random(m)).astype(np.int32)
    dst = np.searchsorted(cum, rng.random(m)).astype(np.int32)
    keep = src != dst
    t0 = rng.integers(1_700_000_000, 1_790_000_000, m)
    return {"src": src[keep], "dst": dst[keep], "rel": rng.integers(0, len(RELS), m)[keep],
            "weight": rng.integers(1, 10, m)[keep].astype(np.float32), "t0": t0[keep],
            "t1": (t0 + rng.integers(0, 30 * 86400, m))[keep],
            "schema": rng.integers(0, len(SCHEMATA), n)}  # fmt: skip


def _rss_mb() -> float:
    with Path("/proc/self/statm").open() as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def build_ours(arrays: dict[str, np.ndarray]):
    from pasienis.graph.projection import EdgeBatch, Projection

    p = Projection()
    n = len(arrays["schema"])
    for s in SCHEMATA:
        p.schemata.code(s)
    for r in RELS:
        p.relations.code(r)
    key = p.keys.code(DATASET)
    p.key_parts[key] = frozenset({DATASET})
    p.set_nodes_bulk([f"n{i}" for i in range(n)], arrays["schema"])
    p.node_key[:] = key
    m = len(arrays["src"])
    p.set_edges(EdgeBatch(arrays["src"], arrays["dst"], arrays["rel"].astype(np.int32),
                          np.full(m, key, np.int32), arrays["weight"], arrays["t0"],
                          arrays["t1"]))  # fmt: skip
    return p


def build_networkx(arrays: dict[str, np.ndarray]):
    import networkx as nx

    g = nx.MultiGraph()
    g.add_nodes_from(
        (f"n{i}", {"schema": SCHEMATA[s]}) for i, s in enumerate(arrays["schema"].tolist())
    )
    cols = [arrays[k].tolist() for k in ("src", "dst", "rel", "weight", "t0", "t1")]
    g.add_edges_from(
        (f"n{a}", f"n{b}", {"relation": RELS[r], "weight": w, "first": t0, "last": t1,
                            "dataset": DATASET})
        for a, b, r, w, t0, t1 in zip(*cols, strict=True)
    )  # fmt: skip
    return g


def _measure_build(which: str, path: str, out: mp.Queue) -> None:
    arrays = dict(np.load(path))
    gc.collect()
    base = _rss_mb()
    start = time.perf_counter()
    graph = (build_ours if which == "ours" else build_networkx)(arrays)
    seconds = time.perf_counter() - start
    gc.collect()
    out.put((seconds, _rss_mb() - base))
    del graph


def measure_builds(path: str) -> dict[str, tuple[float, float]]:
    ctx = mp.get_context("fork")
    results = {}
    for which in ("ours", "networkx"):
        q = ctx.Queue()
        proc = ctx.Process(target=_measure_build, args=(which, path, q))
        proc.start()
        results[which] = q.get()
        proc.join()
        print(f"build {which:8s}: {results[which][0]:7.2f} s, {results[which][1]:8.0f} MiB",
              flush=True)  # fmt: skip
    return results


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def api_latencies(  # noqa: C901 - one measured loop, kept in one place
    p, queries: int, seeds: np.ndarray, unfrozen_too: bool = True
) -> dict[str, list[float]]:
    """Expansion and path through the API of an app serving ``p``."""
    from fastapi.testclient import TestClient

    from pasienis.api import create_app
    from pasienis.config import Settings
    from pasienis.graph import GraphService
    from pasienis.security import Role
    from pasienis.security.provision import provision
    from pasienis.store import open_store, upgrade

    tmp = tempfile.mkdtemp(prefix="bench-graph-")
    settings = Settings(data_dir=Path(tmp))
    store = open_store(settings)
    upgrade(store)
    with store.begin() as conn:
        token = provision(conn, name="bench", roles=[Role.analyst], datasets=[DATASET])
    app = create_app(settings, store=store)
    app.state.graph = GraphService(store)
    app.state.graph.use(p)
    out: dict[str, list[float]] = {"gc": [], "gc_unfrozen": [], "frozen": []}
    mode = [""]
    for k in ("expand", "path", "floor"):
        for sfx in ("", "_unfrozen"):
            out[k + sfx], out[f"{k}{sfx}_cpu"] = [], []
    gc_started: list[float] = []

    def gc_timer(phase: str, info: dict) -> None:  # every collection's pause, in the loop
        if phase == "start":
            gc_started[:] = [time.perf_counter()]
        elif gc_started:
            out["gc" + mode[0]].append(time.perf_counter() - gc_started[0])

    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as c:
        body = {"depth": 2, "max_nodes": 200, "per_node": 25, "relations": list(RELS[:4]),
                "min_weight": 2}  # fmt: skip
        # Not timed: the first query of a grant set computes its visibility masks (kept per
        # grant set and projection version; ~0.1 s on 5M edges), as once per server and
        # import; and the first request warms FastAPI's and SQLite's caches.
        c.post("/api/graph/expand", json={**body, "ids": [f"n{seeds[0]}"]})
        gc.callbacks.append(gc_timer)

        def timed(kind: str, call):
            # Wall time, and the process's CPU time (all threads: the client and the app's
            # thread): what the request cost us, apart from waiting for a core.
            t, cpu = time.perf_counter(), time.process_time()
            r = call()
            out[kind].append(time.perf_counter() - t)
            out[f"{kind}_cpu"].append(time.process_time() - cpu)
            return r

        for i in range(queries):
            # Every other round with the startup heap unfrozen (as before the app froze it at
            # startup): the same minutes, the same seeds' distribution, both ways.
            unfrozen = unfrozen_too and i % 2 == 1
            if unfrozen:
                gc.unfreeze()
            sfx = mode[0] = "_unfrozen" if unfrozen else ""
            if not unfrozen:
                out["frozen"].append(gc.get_freeze_count())
            # The floor of the stack in the same minutes: an authenticated, audited route
            # with one small query and an empty answer.
            timed("floor" + sfx, lambda: c.get("/api/graph/cotravel", params={"limit": 1}))
            a, b = f"n{seeds[i]}", f"n{seeds[-1 - i]}"
            r = timed(
                "expand" + sfx, lambda a=a: c.post("/api/graph/expand", json={**body, "ids": [a]})
            )
            assert r.status_code == 200, r.text
            r = timed("path" + sfx, lambda a=a, b=b: c.get(
                "/api/graph/path", params={"source": a, "target": b}))  # fmt: skip
            assert r.status_code in (200, 404), r.text
            if unfrozen:
                gc.freeze()
        gc.callbacks.remove(gc_timer)
    store.dispose()
    return out


def nx_reference(arrays: dict[str, np.ndarray], seeds: np.ndarray):
    """NetworkX raw calls on a Graph of the same nodes and edges: the same filtered, capped
    2-hop expansion written with its API, and ``nx.shortest_path``. Returns a function that
    times queries ``start .. stop`` (so they can interleave with the API's)."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(f"n{i}" for i in range(len(arrays["schema"])))
    cols = [arrays[k].tolist() for k in ("src", "dst", "rel", "weight")]
    g.add_edges_from((f"n{a}", f"n{b}", {"relation": RELS[r], "weight": w})
                     for a, b, r, w in zip(*cols, strict=True))  # fmt: skip
    del cols
    gc.freeze()  # the benchmark process's own heap (tens of millions of objects), not the app's
    wanted = set(RELS[:4])

    def capped(u: str) -> list[str]:
        ok = [(d["weight"], v) for v, d in g[u].items()
              if d["relation"] in wanted and d["weight"] >= 2]  # fmt: skip
        return [v for _w, v in sorted(ok, reverse=True)[:25]]

    def run(start: int, stop: int) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {"expand": [], "path": []}
        for i in range(start, stop):
            a, b = f"n{seeds[i]}", f"n{seeds[-1 - i]}"
            t = time.perf_counter()
            seen = dict.fromkeys([a, *capped(a)])
            for u in list(seen)[1:]:
                seen.update(dict.fromkeys(capped(u)))
            list(seen)[:200]
            out["expand"].append(time.perf_counter() - t)
            t = time.perf_counter()
            with contextlib.suppress(nx.NetworkXNoPath):
                nx.shortest_path(g, a, b)
            out["path"].append(time.perf_counter() - t)
        return out

    return run


def nx_latencies(arrays: dict[str, np.ndarray], queries: int, seeds: np.ndarray) -> dict:
    return nx_reference(arrays, seeds)(0, queries)


def analytics(p, seed: int, size: int, bc_size: int) -> None:
    """networkit / rustworkx vs NetworkX on one subgraph of the projection."""
    import networkit  # noqa: F401 - the import takes seconds once per process: not timed
    import networkx as nx
    import rustworkx as rx
    from scipy import sparse  # noqa: F401

    from pasienis.graph import EdgeFilter
    from pasienis.graph.analytics import betweenness, communities, local_subgraph, pagerank
    from pasienis.graph.traverse import component
    from pasienis.graph.visibility import make_view

    view = make_view(p, frozenset({DATASET}))
    nodes = component(view, seed, f=EdgeFilter(), max_nodes=size).nodes
    for label, count in (("communities/pagerank", size), ("betweenness", bc_size)):
        local = local_subgraph(view, nodes[:count], EdgeFilter())
        # The same graph for both: parallel edges folded with their weights summed (what
        # ours does; add_weighted_edges_from would keep the last weight only).
        summed: dict[tuple[int, int], float] = {}
        for a, b, w in zip(local.u.tolist(), local.v.tolist(), local.w.tolist(), strict=True):
            summed[(a, b)] = summed.get((a, b), 0.0) + w
        g = nx.Graph()
        g.add_nodes_from(range(len(local.nodes)))
        g.add_weighted_edges_from((a, b, w) for (a, b), w in summed.items())
        print(f"subgraph for {label}: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges")
        runs = [
            (
                "louvain (networkit PLM)",
                partial(communities, local),
                partial(nx.community.louvain_communities, g, seed=7),
            ),
            ("pagerank (scipy.sparse)", partial(pagerank, local), partial(nx.pagerank, g)),
        ]
        if label == "betweenness":
            rg = rx.networkx_converter(g)
            runs = [("betweenness (networkit)", partial(betweenness, local),
                     partial(nx.betweenness_centrality, g)),
                    ("betweenness (rustworkx)", partial(rx.betweenness_centrality, rg),
                     partial(nx.betweenness_centrality, g))]  # fmt: skip
        for name, ours, ref in runs:
            t = time.perf_counter()
            mine = ours()
            ours_s = time.perf_counter() - t
            t = time.perf_counter()
            theirs = ref()
            ref_s = time.perf_counter() - t
            same = ""
            if name.startswith("pagerank"):  # the same numbers, not only the same speed
                diff = np.abs(mine - np.array([theirs[i] for i in range(len(mine))])).max()
                same = f"  max |ours - networkx| {diff:.1e}"
            print(f"{name:24s}: ours {ours_s:8.3f} s  networkx {ref_s:8.3f} s  "
                  f"ratio {ref_s / ours_s:6.1f}x{same}", flush=True)  # fmt: skip


def provisioned_store() -> tuple[str, str]:
    """A fresh SQLite store (migrated) and an analyst token granted the synthetic dataset."""
    from pasienis.config import Settings
    from pasienis.security import Role
    from pasienis.security.provision import provision
    from pasienis.store import open_store, upgrade

    tmp = tempfile.mkdtemp(prefix="bench-graph-served-")
    store = open_store(Settings(data_dir=Path(tmp)))
    upgrade(store)
    with store.begin() as conn:
        token = provision(conn, name="bench", roles=[Role.analyst], datasets=[DATASET])
    store.dispose()
    return tmp, token


def served(arrays: dict[str, np.ndarray], npz: str, seeds: np.ndarray, args) -> None:
    """The API served by uvicorn on one core, the client on the other, NetworkX's raw calls
    interleaved with the API's in chunks of the same seeds (bench/graph_served.py)."""
    import graph_served as gs

    data_dir, token = provisioned_store()
    api, api_url = gs.api_server(data_dir, npz, args.server_core)
    bare, bare_url = gs.bare_server(args.server_core)
    servers = [api, bare]
    target: dict = {}
    if args.ab_src:  # the same app from another source tree, its own store, the same core
        ref_dir, target["ref_token"] = provisioned_store()
        ref, target["ref"] = gs.api_server(ref_dir, npz, args.server_core, src=args.ab_src)
        target["ref_pid"] = ref.pid
        servers.append(ref)
    try:
        os.sched_setaffinity(0, {args.client_core})  # NetworkX: the client's core
        nx_run = nx_reference(arrays, seeds)
        np.save(seeds_path := str(Path(data_dir) / "seeds.npy"), seeds)
        target.update(seeds=seeds_path, api=api_url, bare=bare_url, token=token,
                      api_pid=api.pid, bare_pid=bare.pid)  # fmt: skip
        client = gs.Client(args.client_core, target)
        print(f"served: load {os.getloadavg()[0]:.2f} at the start", flush=True)
        ours: dict[str, list[float]] = {}
        ref: dict[str, list[float]] = {"expand": [], "path": []}
        for start in range(0, args.queries, args.chunk):
            stop = min(args.queries, start + args.chunk)
            for k, v in client.run(start, stop).items():
                ours.setdefault(k, []).extend(v)
            for k, v in nx_run(start, stop).items():
                ref[k].extend(v)
        client.close()
        print(f"served: load {os.getloadavg()[0]:.2f} at the end", flush=True)
        if args.raw:
            Path(args.raw).write_text(json.dumps({"served": ours, "networkx": ref}))
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=60)
    print(f"served API (uvicorn on core {args.server_core}, http.client keep-alive on core "
          f"{args.client_core}, sequential), {args.queries} rounds; NetworkX raw on core "
          f"{args.client_core}, interleaved in chunks of {args.chunk}:")  # fmt: skip
    kinds = ["expand", "path", "floor", "bare"]
    if args.ab_src:
        print(f"*_ref: the same app served from {args.ab_src} (A/B, requests interleaved)")
        kinds[3:3] = ["expand_ref", "path_ref", "floor_ref"]
    for k in kinds:
        w, sc, cc = ours[k], ours[k + "_server_cpu"], ours[k + "_client_cpu"]
        line = (f"{k:7s} served p50 {_pct(w, 50):6.2f} ms  p99 {_pct(w, 99):6.2f} ms  "
                f"max {_pct(w, 100):6.2f} ms (mean {statistics.mean(w) * 1000:.2f})")  # fmt: skip
        if k in ref:
            r = ref[k]
            line += (
                f" | networkx raw p50 {_pct(r, 50):6.2f} ms  p99 {_pct(r, 99):6.2f} ms  "
                f"max {_pct(r, 100):6.2f} ms (mean {statistics.mean(r) * 1000:.2f})"
            )
        print(line, flush=True)
        print(f"{'':7s} server CPU p50 {_pct(sc, 50):6.2f} ms  p99 {_pct(sc, 99):6.2f} ms; "
              f"client CPU p50 {_pct(cc, 50):6.2f} ms  p99 {_pct(cc, 99):6.2f} ms; answer "
              f"{statistics.mean(ours[k + '_bytes']):,.0f} bytes mean", flush=True)  # fmt: skip


def testclient_report(p, queries: int, seeds: np.ndarray, arrays: dict[str, np.ndarray]) -> None:
    """The earlier harness: the app in this process behind Starlette's TestClient (the
    client's portal thread shares the GIL with the app: most of its floor is the harness)."""
    print("in-process TestClient (not how the API is served):", flush=True)
    ours = api_latencies(p, queries, seeds)
    ref = nx_latencies(arrays, queries, seeds)
    for k in ("expand", "path"):
        print(f"{k:7s} TestClient p50 {_pct(ours[k], 50):6.2f} ms  "
              f"p99 {_pct(ours[k], 99):6.2f} ms (mean {statistics.mean(ours[k]) * 1000:.2f} ms) | "
              f"networkx raw p50 {_pct(ref[k], 50):6.2f} ms  p99 {_pct(ref[k], 99):6.2f} ms  "
              f"(mean {statistics.mean(ref[k]) * 1000:.2f} ms)", flush=True)  # fmt: skip
    print(f"floor   TestClient p50 {_pct(ours['floor'], 50):6.2f} ms  "
          f"p99 {_pct(ours['floor'], 99):6.2f} ms (authenticated, audited, empty answer)",
          flush=True)  # fmt: skip
    for k in ("expand", "path", "floor"):
        u = ours[k + "_unfrozen"]
        if u:
            print(f"{k:7s} API, startup heap NOT frozen (every other round, {len(u)} requests): "
                  f"p50 {_pct(u, 50):6.2f} ms  p99 {_pct(u, 99):6.2f} ms  max {_pct(u, 100):6.2f}"
                  " ms", flush=True)  # fmt: skip
    for k in ("expand", "path", "floor"):
        print(f"{k:7s} API process CPU per request p50 {_pct(ours[k + '_cpu'], 50):6.2f} ms  "
              f"p99 {_pct(ours[k + '_cpu'], 99):6.2f} ms  max {_pct(ours[k + '_cpu'], 100):6.2f}"
              " ms", flush=True)  # fmt: skip
    for sfx, what in (("", "frozen"), ("_unfrozen", "NOT frozen")):
        pauses = ours["gc" + sfx] or [0.0]
        print(
            f"gc, startup heap {what}: {len(ours['gc' + sfx])} collections, max pause "
            f"{max(pauses) * 1000:.2f} ms, total {sum(pauses) * 1000:.1f} ms",
            flush=True,
        )
    print(f"objects frozen during the frozen rounds: {max(ours['frozen'], default=0):,}")
    gc.unfreeze()  # nx_latencies froze its graph; it is garbage now
    gc.collect()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=5_010_000)  # >= 5M after self-loops
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--subgraph", type=int, default=20_000)
    parser.add_argument("--bc-subgraph", type=int, default=2_000)
    parser.add_argument("--skip-builds", action="store_true", help="no build comparison")
    parser.add_argument("--skip-analytics", action="store_true", help="queries only")
    parser.add_argument("--chunk", type=int, default=25, help="rounds per API/NetworkX chunk")
    parser.add_argument("--raw", help="write the served run's per-request numbers (JSON) here")
    parser.add_argument("--ab-src", help="also serve the app from this source tree (A/B)")
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument(
        "--testclient",
        action="store_true",
        help="also the in-process TestClient loop (the earlier harness)",
    )
    args, _ = parser.parse_known_args()
    from pasienis.config import Settings
    from pasienis.model import install_model

    install_model(Settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-graph-model-"))))
    arrays = power_law_edges(args.nodes, args.edges)
    print(f"graph: {args.nodes} nodes, {len(arrays['src'])} edges (power law)", flush=True)
    path = str(Path(tempfile.mkdtemp(prefix="bench-graph-")) / "edges.npz")
    np.savez(path, **arrays)
    if not args.skip_builds:
        builds = measure_builds(path)
        (ot, om), (nt, nm) = builds["ours"], builds["networkx"]
        print(f"build: {nt / ot:.1f}x faster, {om / nm:.3f} of NetworkX's memory")
    rng = np.random.default_rng(5)
    seeds = rng.integers(0, args.nodes, 2 * args.queries)
    if args.testclient:
        testclient_report(build_ours(arrays), args.queries, seeds, arrays)
    served(arrays, path, seeds, args)
    gc.unfreeze()  # nx_reference froze its graph; garbage now
    gc.collect()
    if args.skip_analytics:
        return
    p = build_ours(arrays)
    hub = int(np.argmax(np.diff(p.indptr)))
    analytics(p, hub, args.subgraph, args.bc_subgraph)


if __name__ == "__main__":
    main()
