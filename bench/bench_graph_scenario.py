"""Benchmark: the graph on the generated scenario — network recovery and co-travel ranking.

* Networks: from one planted member of each network (truth.json ``networks``), expand the
  neighbourhood (3 hops, checkpoints excluded: every traveller touches one) and take the
  seed's Louvain community; report precision and recall of the member persons per network
  shape. Run twice: with the store's resolver as imported (no resolution yet), and with the
  resolver holding the truth's identity clusters (what entity resolution is to deliver), which
  also exercises merges as projection deltas.
* Co-travel: detection over the store's plate reads (>= 1M at scale 100), with a share of the
  planted pairs' reads misread by the scenario's own OCR-error function (the generator never
  misreads planted reads); precision@k at k = the number of planted pairs.

Run: ``python bench/bench_graph_scenario.py [--scenario DIR --data-dir DIR] [--scale 100]``
(without them a scenario is generated and imported into a temporary store first).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import delete, insert, select

from pasienis.config import Settings
from pasienis.graph import EdgeFilter, GraphService
from pasienis.graph.analytics import communities, local_subgraph
from pasienis.graph.cotravel import CoTravelParams, Reads, detect
from pasienis.graph.cotravel_run import load_reads
from pasienis.graph.traverse import expand
from pasienis.model import install_model
from pasienis.model.events import border_crossings
from pasienis.model.models import resolver, statements
from pasienis.store import Store, open_store, upgrade

#: Left out of the walk: every traveller touches a checkpoint, and customs brokers declare
#: for hundreds of consignees (commercial links, not a people network).
EXCLUDE = {"crossed_at", "declared_for", "consigned_to", "carried_goods_for"}
RESOLUTION = float(__import__("os").environ.get("BENCH_RESOLUTION", "0.02"))


def prepare(args: argparse.Namespace) -> tuple[Path, Settings]:
    if args.scenario and args.data_dir:
        return Path(args.scenario), Settings(data_dir=Path(args.data_dir))
    from pasienis.ingest.scenario import load_scenario
    from pasienis.scenario import generate

    root = Path(tempfile.mkdtemp(prefix="bench-graph-scn-"))
    generate(42, args.scale, root / "scenario")
    settings = Settings(data_dir=root / "data")
    install_model(settings)
    store = open_store(settings)
    upgrade(store)
    load_scenario(store, folder=root / "scenario")
    store.dispose()
    return root / "scenario", settings


def truth_entities(store: Store, truth: dict) -> dict[str, set[str]]:
    """Truth person id → the entity ids its crossing and register records became."""
    by_record: dict[str, str] = {}
    with store.read() as conn:
        for attrs, pid in conn.execute(select(border_crossings.c.attributes,
                                              border_crossings.c.person_id)):  # fmt: skip
            if attrs and pid:
                by_record[f"crossings.csv:{attrs['crossing_id']}"] = pid
        s = statements.c
        officers = select(s.locator, s.entity_id).where(
            s.prop == "id", s.schema == "Person", s.dataset == "scenario_officers")  # fmt: skip
        for loc, eid in conn.execute(officers):
            by_record[loc] = eid
    out: dict[str, set[str]] = {}
    for cluster in truth["identity_clusters"]:
        ents = {by_record[r] for r in cluster["records"] if r in by_record}
        if ents:
            out[cluster["person"]] = ents
    return out


def recover(svc: GraphService, truth: dict, people: dict[str, set[str]]) -> list[dict]:
    owner = {e: pid for pid, ents in people.items() for e in ents}
    rows = []
    with svc.view(frozenset(svc_datasets(svc))) as view:
        p = view.projection
        rels = frozenset(r for r in p.relations.names if r not in EXCLUDE)
        f = EdgeFilter(relations=rels)
        for net in truth["networks"]:
            members = set(net["persons"])
            seed_p = next(m for m in net["persons"] if m in people)
            seed = p.node_index[p.canon.get(min(people[seed_p]), min(people[seed_p]))]
            sg = expand(view, [seed], depth=4, f=f, max_nodes=3000, per_node=200)
            local = local_subgraph(view, sg.nodes, f)
            labels = communities(local, resolution=RESOLUTION)
            mine = labels[int(np.searchsorted(local.nodes, seed))]
            community = local.nodes[labels == mine].tolist()
            for label, nodes in (("expand", sg.nodes), ("expand+community", community)):
                rows.append(_score(view, net, label, nodes, owner, members))
    return rows


def _score(view, net, label, nodes, owner, members) -> dict:
    p = view.projection
    persons = [n for n in nodes if p.schemata.names[p.node_schema[n]] == "Person"]
    found: set[str] = set()
    wrong = 0
    for n in persons:
        ids = p.members(p.node_ids[n])
        truths = {owner[i] for i in ids if i in owner}
        if truths & members:
            found |= truths & members
        else:
            wrong += 1
    hits = len(found)
    return {
        "network": net["id"],
        "shape": net["shape"],
        "mode": label,
        "precision": hits / max(hits + wrong, 1),
        "recall": hits / len(members),
        "persons": len(persons),
        "observed": len(members & set(owner.values())),
    }


def svc_datasets(svc: GraphService) -> set[str]:
    p = svc.projection()
    return {d for parts in p.key_parts.values() for d in parts}


def oracle_resolver(store: Store, people: dict[str, set[str]]) -> tuple[int, list[dict]]:
    """Replace the resolver with the truth's identity clusters; returns the rows written and
    the rows it held before (a real resolution run's), to be put back by ``restore``."""
    now = datetime.now(UTC)
    rows = [{"entity_id": e, "canonical_id": min(ents), "updated_at": now, "judgement_id": "truth"}
            for ents in people.values() for e in ents if e != min(ents)]  # fmt: skip
    with store.begin() as conn:
        before = [dict(r._mapping) for r in conn.execute(select(resolver))]
        conn.execute(delete(resolver))
        if rows:
            conn.execute(insert(resolver), rows)
    return len(rows), before


def restore(store: Store, before: list[dict]) -> None:
    with store.begin() as conn:
        conn.execute(delete(resolver))
        if before:
            conn.execute(insert(resolver), before)


def cotravel(store: Store, truth: dict, misread_share: float) -> None:
    from pasienis.scenario.plates import misread

    t = time.perf_counter()
    reads = load_reads(store, "scenario_plate_reads").reads
    load_s = time.perf_counter() - t
    planted = {(c["scout_plate"], c["cargo_plate"]) for c in truth["co_travel"]}
    plates = {x for pair in planted for x in pair}
    rng = random.Random(7)
    hit = [i for i, pl in enumerate(reads.plate.tolist()) if pl in plates]
    bad = rng.sample(hit, int(len(hit) * misread_share))
    for i in bad:
        reads.plate[i] = misread(reads.plate[i], rng)[0]
    t = time.perf_counter()
    pairs = detect(Reads(reads.camera, reads.time, reads.plate), CoTravelParams())
    det_s = time.perf_counter() - t
    k = len(planted)
    top = [(p.leader, p.follower) for p in pairs[:k]]
    print(f"co-travel: {len(reads.time):,} reads (load {load_s:.1f} s, detect {det_s:.1f} s), "
          f"{len(bad)} of {len(hit)} planted-pair reads misread; precision@{k} = "
          f"{sum(x in planted for x in top) / k:.2f}")  # fmt: skip
    for p in pairs[: k + 3]:
        mark = "planted" if (p.leader, p.follower) in planted else ""
        print(f"   {p.score:7.2f} {p.leader:>10} -> {p.follower:<10} occasions={p.occasions} "
              f"co-passages={p.co_passages} {mark}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario")
    parser.add_argument("--data-dir")
    parser.add_argument("--scale", type=float, default=100)
    parser.add_argument("--misread-share", type=float, default=0.15)
    parser.add_argument("--skip-cotravel", action="store_true", help="networks only")
    parser.add_argument(
        "--no-cotravel-edges",
        action="store_true",
        help="do not store co-travel pairs as edges before the network step",
    )
    parser.add_argument(
        "--min-score",
        type=float,
        # The score is about -log10 of the chance pairs this good expected (docs/graph.md):
        # 2 keeps pairs of which about 1/100 is expected by chance; on the scale-100 plate
        # reads the planted convoys score 5.6-9.6, the best chance pair 0.69.
        default=2.0,
        help="co-travel pairs stored as edges from this score",
    )
    args, _ = parser.parse_known_args()
    folder, settings = prepare(args)
    install_model(settings)
    store = open_store(settings)
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    people = truth_entities(store, truth)
    if not args.no_cotravel_edges:
        # Co-travel edges are part of the graph (scout and cargo vehicles of N1-N4 belong to
        # members 0, 1 and the last): detect and store them first, as an operator would.
        from pasienis.graph.cotravel_run import run_cotravel

        t = time.perf_counter()
        stored = run_cotravel(store, dataset="scenario_plate_reads", min_score=args.min_score)
        print(f"co-travel pairs stored as edges: {len(stored)} (score >= {args.min_score:g}) "
              f"in {time.perf_counter() - t:.1f} s")  # fmt: skip
    svc = GraphService(store, refresh_interval=0)
    t = time.perf_counter()
    p = svc.build()
    print(f"projection from the store: {p.n_nodes:,} nodes, {p.n_edges:,} edges in "
          f"{time.perf_counter() - t:.1f} s")  # fmt: skip
    with store.read() as conn:
        held = len(list(conn.execute(select(resolver.c.entity_id))))
    before: list[dict] = []
    for title, merged in ((f"resolver as stored ({held} rows)", 0),
                          ("resolver = truth clusters", 1)):  # fmt: skip
        if merged:
            n, before = oracle_resolver(store, people)
            t = time.perf_counter()
            svc.refresh()
            print(f"{n} resolver rows applied as a delta in {time.perf_counter() - t:.1f} s")
        print(f"networks, {title}:")
        for r in recover(svc, truth, people):
            print(f"   {r['network']} {r['shape']:5s} {r['mode']:17s} "
                  f"precision {r['precision']:.2f}"
                  f"  recall {r['recall']:.2f}  ({r['persons']} person nodes; "
                  f"{r['observed']} of the members appear in the imported sources)")  # fmt: skip
    restore(store, before)
    if not args.skip_cotravel:
        cotravel(store, truth, args.misread_share)
    store.dispose()


if __name__ == "__main__":
    main()
