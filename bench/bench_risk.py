"""Risk: selection quality on the scenario against naive baselines, and speed at scale.

1. Quality. The scenario (seed 7, scale 1) is generated and loaded into a fresh store; a
   model is trained on its labelled ``declarations_history.csv`` (graph features from the
   store), then the store's current declarations are scored and measured against
   ``truth.json → fraudulent_declarations``: precision, recall and revenue at 1/2/5/10 %
   inspected for rules alone, the model alone and both, beside random selection and
   "highest declared value first", all in this run. The history's own test period is
   reported the same way.
2. Speed. ``--rows`` (default 1,000,000) labelled declarations are drawn with the scenario's
   history generator and trained on; ``--score-rows`` (default 100,000) new ones are scored
   with explanations. The reference is LightGBM alone on the same finished feature matrix
   (same parameters and rounds), so the ratio shows what the feature pipeline costs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import lightgbm as lgb
import numpy as np

from pasienis.config import Settings
from pasienis.graph import GraphService
from pasienis.ingest import load_scenario
from pasienis.model import install_model
from pasienis.risk import load_mapping, load_rules, read_history, score, time_split, train
from pasienis.risk.assess import assess_declarations, assess_history
from pasienis.risk.declarations import declaration_lines
from pasienis.risk.evaluate import format_table
from pasienis.risk.features import CATEGORICAL
from pasienis.risk.graphctx import graph_facts
from pasienis.risk.history import canonical
from pasienis.risk.mapping import parse_mapping
from pasienis.risk.model import PARAMS, file_sha256, training_matrices
from pasienis.scenario import generate
from pasienis.scenario.history import history_frame
from pasienis.security.compartments import list_datasets
from pasienis.store import open_store, upgrade

ROOT = Path(__file__).resolve().parents[1] / "src" / "pasienis" / "risk"
MAPPING = ROOT / "mappings" / "scenario_history.yml"
RULES = ROOT / "rulesets" / "customs_default.yml"


def quality(folder: Path, threads: int) -> None:
    t0 = time.perf_counter()
    generate(seed=7, scale=1.0, out=folder / "scenario")
    settings = Settings(data_dir=folder / "data")
    install_model(settings)
    store = open_store(settings)
    upgrade(store)
    load_scenario(store, folder=folder / "scenario")
    print(f"scenario generated and loaded in {time.perf_counter() - t0:.1f} s", flush=True)
    mapping, rules = load_mapping(MAPPING), load_rules(RULES)
    path = folder / "scenario" / "declarations_history.csv"
    frame = read_history(path, mapping, labelled=True)
    split = time_split(frame)
    graph = GraphService(store)
    with store.read() as conn:
        datasets = frozenset(name for name, _, _ in list_datasets(conn))
        until = datetime.combine(split.valid_from, datetime.min.time(), UTC)
        facts = graph_facts(graph, conn, frame, datasets=datasets, until=until)
        current = declaration_lines(conn, datasets=datasets)
        now_facts = graph_facts(graph, conn, current, datasets=datasets)
    linked = sum(1 for v in facts.degree.values() if v > 0)
    print(f"graph context: {linked} importers in the graph, {len(facts.links)} company links, "
          f"{len(facts.seizures)} seizure links")  # fmt: skip
    t1 = time.perf_counter()
    model = train(frame, mapping, source_sha256=file_sha256(path), split=split, graph=facts,
                  threads=threads)  # fmt: skip
    print(f"trained on {model.meta['rows']['train']:,} rows in {time.perf_counter() - t1:.1f} s;"
          f" validation {model.meta['metrics']}")  # fmt: skip
    hist = assess_history(frame, split, model=model, rules=rules, graph=facts)
    print(f"\nhistory test period ({hist['rows']:,} lines, {hist['illicit']:,} illicit, from "
          f"{split.test_from}):")  # fmt: skip
    print(format_table(hist["table"]))
    cur = assess_declarations(current, folder / "scenario" / "truth.json", model=model,
                              rules=rules, graph=now_facts)  # fmt: skip
    print(f"\nscenario declarations vs truth.json ({cur['rows']} declarations, "
          f"{cur['illicit']} fraudulent):")  # fmt: skip
    print(format_table(cur["table"]))
    t = cur["table"]
    for n in (5, 10):
        k = f"recall@{n}%"
        both, rnd, top = t["both"][k], t["random"][k], t["highest_value"][k]
        print(f"{k}: both {both:.3f} = {both / max(rnd, 1e-9):.1f}x random, "
              f"{both / max(top, 1e-9):.1f}x highest value")  # fmt: skip
    store.dispose()


MAP = parse_mapping((MAPPING).read_text(encoding="utf-8").replace("party_namespace", "#"))


def speed(rows: int, score_rows: int, threads: int) -> None:
    importers = [f"{300000000 + i}" for i in range(5000)]
    t0 = time.perf_counter()
    raw = history_frame(rows, seed=1, importers=importers, network=importers[:150])
    frame = canonical(raw.astype(str), MAP, source="generated", labelled=True, first_line=2)
    drawn = time.perf_counter() - t0
    print(f"\n{rows:,} labelled declarations drawn and parsed in {drawn:.1f} s")
    split = time_split(frame)
    t1 = time.perf_counter()
    model = train(frame, MAP, source_sha256="-" * 64, split=split, threads=threads)
    ours = time.perf_counter() - t1
    rounds = model.meta["params"]["rounds"]
    _, x_tr, y_tr, _, _ = training_matrices(frame, split)
    t2 = time.perf_counter()
    lgb.train({**PARAMS, "num_threads": threads}, lgb.Dataset(x_tr, y_tr,
              categorical_feature=list(CATEGORICAL)), num_boost_round=rounds)  # fmt: skip
    bare = time.perf_counter() - t2
    print(
        f"train: {ours:.1f} s for {model.meta['rows']['train']:,} training rows ({rounds} "
        f"rounds, early stopping on {model.meta['rows']['valid']:,}); LightGBM alone on the "
        f"finished matrix {bare:.1f} s: pipeline = {ours / bare:.2f}x the bare trainer"
    )
    new = history_frame(score_rows, seed=2, importers=importers, network=importers[:150])
    new_frame = canonical(new.astype(str), MAP, source="new", labelled=False, first_line=2)
    rules = load_rules(RULES)
    t3 = time.perf_counter()
    s = score(new_frame, model=model, rules=rules)
    explained = [s.explain(i) for i in range(0, score_rows, max(1, score_rows // 1000))]
    took = time.perf_counter() - t3
    print(f"score: {score_rows:,} declarations (TreeSHAP contributions, {len(rules.rules)} "
          f"rules, drift check) in {took:.1f} s = {score_rows / took:,.0f}/s; "
          f"{len(explained)} explanations built; drift {s.drift.level}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--score-rows", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-scenario", action="store_true")
    args, _ = ap.parse_known_args()
    print(f"LightGBM {lgb.__version__}, {args.threads} threads")
    if not args.skip_scenario:
        with tempfile.TemporaryDirectory() as tmp:
            quality(Path(tmp), args.threads)
    speed(args.rows, args.score_rows, args.threads)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
