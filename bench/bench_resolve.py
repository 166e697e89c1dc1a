"""Entity resolution: accuracy on public data sets against two references, and speed.

Accuracy (pairwise precision/recall/F1 and B-cubed, from clusters at the merge threshold):
our person model (the production comparisons over model.names keys) vs Splink's documented
example model for the set and the recordlinkage documentation's FEBRL pipeline, same run.
Scenario (bench/resolve_scenario.py): the production path against truth.json, and Splink's
fake_1000 example model on the same person records as written, with recall by the name
variant kind of each record.
Variants (bench/resolve_variants.py): a larger synthetic set of name variants drawn with the
scenario generator's name functions, name and date of birth only, both models, P/R/F1 by
variant kind and false merges of namesakes and relatives.
Speed: dedupe of ``--rows`` synthetic person records (default 1,000,000), peak memory, and
incremental scoring of 1% new records against them with the saved model.

    python bench/bench_resolve.py [--part scenario|variants|public|speed|all] [--rows N]
        [--scale S] [--persons N]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from pasienis.resolve import RunParams
from pasienis.resolve import engine as eng
from pasienis.resolve.cluster import cluster
from pasienis.resolve.features import fold
from pasienis.resolve.kinds import kind_of
from resolve_refs import recordlinkage_reference, splink_reference
from resolve_scenario import scenario
from resolve_variants import variants

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "splink-datasets"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/splink-datasets")
#: Every model is clustered at the production merge threshold.
THRESHOLD = RunParams().merge_threshold


def _febrl(files: list[str]) -> pd.DataFrame:
    parts = [pd.read_csv(DATA / "febrl" / f, dtype=str, skipinitialspace=True) for f in files]
    df = pd.concat(parts, ignore_index=True).fillna("")
    df.columns = [c.strip() for c in df.columns]
    df = df.apply(lambda s: s.str.strip())
    df["unique_id"] = df["rec_id"]
    df["cluster"] = df["rec_id"].str.extract(r"^(rec-\d+)")[0]
    return df.replace("", None)


def datasets() -> dict[str, pd.DataFrame]:
    fake = pd.read_csv(DATA / "fake_1000.csv", dtype=str)
    fake = fake.astype(object).where(pd.notna(fake), None)
    hist = pd.read_parquet(DATA / "historical_figures_with_errors_50k.parquet").astype(str)
    hist = hist.replace({"None": None, "nan": None})
    return {
        "febrl3": _febrl(["dataset3.csv"]),
        "febrl4": _febrl(["dataset4a.csv", "dataset4b.csv"]),
        "fake_1000": fake,
        "historical_50k": hist,
    }


def _date(value: object) -> str | None:
    text = str(value or "")
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text[:10] or None


def _values(**props: object) -> dict[str, list[str]]:
    return {k: [str(v)] for k, v in props.items() if v is not None and str(v) != ""}


def our_rows(name: str, df: pd.DataFrame) -> list[dict]:
    """The public records as FtM Person properties (each field where FtM has one: the
    postcode as the postal code of the person's address), folded by the production code."""
    kind, rows = kind_of("person"), []
    for r in df.to_dict("records"):
        if name.startswith("febrl"):
            given, sur, dob = r["given_name"], r["surname"], _date(r["date_of_birth"])
            addr = " ".join(
                str(r[c])
                for c in ("street_number", "address_1", "address_2", "suburb", "state")
                if r.get(c)
            )
            values = _values(
                idNumber=r.get("soc_sec_id"),
                address=addr or None,
                **{"addressEntity.postalCode": r.get("postcode")},
            )
        elif name == "fake_1000":
            given, sur, dob = r["first_name"], r["surname"], _date(r["dob"])
            values = _values(email=r.get("email"), address=r.get("city"))
        else:
            given, sur, dob = r["first_name"], r["surname"], _date(r["dob"])
            values = _values(
                birthPlace=r.get("birth_place"),
                profession=r.get("occupation"),
                gender=r.get("gender"),
                **{"addressEntity.postalCode": r.get("postcode_fake")},
            )
        name_text = " ".join(p for p in (given, sur) if p)
        values |= _values(name=name_text or None, birthDate=dob, firstName=given, lastName=sur)
        row = fold(kind, values)
        row["entity_id"] = str(r["unique_id"])
        rows.append(row)
    return rows


def metrics(truth: dict[str, str], groups: list[list[str]]) -> dict[str, float]:
    """Pairwise P/R/F1 and B-cubed P/R/F1 of predicted clusters against true cluster labels."""
    pred = {m: i for i, g in enumerate(groups) for m in g}
    pred_of = {e: pred.get(e, f"s{e}") for e in truth}
    by_pred, by_true, both = defaultdict(int), defaultdict(int), defaultdict(int)
    for e, t in truth.items():
        by_pred[pred_of[e]] += 1
        by_true[t] += 1
        both[(pred_of[e], t)] += 1
    pairs = lambda counts: sum(n * (n - 1) // 2 for n in counts.values())  # noqa: E731
    tp, pp, tt = pairs(both), pairs(by_pred), pairs(by_true)
    p, r = tp / pp if pp else 1.0, tp / tt if tt else 1.0
    bp = sum(both[(pred_of[e], t)] / by_pred[pred_of[e]] for e, t in truth.items()) / len(truth)
    br = sum(both[(pred_of[e], t)] / by_true[t] for e, t in truth.items()) / len(truth)
    f = lambda a, b: 2 * a * b / (a + b) if a + b else 0.0  # noqa: E731
    return {"P": p, "R": r, "F1": f(p, r), "B3_P": bp, "B3_R": br, "B3_F1": f(bp, br)}


def _groups(pairs: list[tuple[str, str]]) -> list[list[str]]:
    return cluster(sorted(pairs))[0]


def ours(df: pd.DataFrame, name: str) -> list[list[str]]:
    linker, _ = eng.train(
        eng.Engine(),
        eng.frame(our_rows(name, df)),
        "person",
        seed=42,
        max_pairs=RunParams().max_pairs,
    )
    preds = eng.predict(linker, threshold=THRESHOLD)
    return _groups(
        list(zip(preds.unique_id_l.astype(str), preds.unique_id_r.astype(str), strict=True))
    )


def _model_groups(label: str, name: str, df: pd.DataFrame) -> list[list[str]]:
    if label == "pasienis":
        return ours(df, name)
    if label == "splink example":
        preds = splink_reference(name, df)
        return _groups(
            [(str(a), str(b)) for a, b, p in preds.itertuples(index=False) if p >= THRESHOLD]
        )
    return _groups(recordlinkage_reference(name, df))


def public(only: list[str] | None = None) -> None:
    print(f"{'set':<15} {'model':<16} {'P':>6} {'R':>6} {'F1':>6} {'B3 F1':>6} {'s':>6}")
    for name, df in datasets().items():
        if only and name not in only:
            continue
        truth = dict(zip(df.unique_id.astype(str), df.cluster.astype(str), strict=True))
        found = {}
        for label in ("pasienis", "splink example", "recordlinkage"):
            start = time.perf_counter()
            m = metrics(truth, _model_groups(label, name, df))
            found[label] = m
            print(
                f"{name:<15} {label:<16} {m['P']:6.4f} {m['R']:6.4f} {m['F1']:6.4f} "
                f"{m['B3_F1']:6.4f} {time.perf_counter() - start:6.1f}",
                flush=True,
            )
        ratio = found["pasienis"]["F1"] / max(found["splink example"]["F1"], 1e-9)
        print(f"{name:<15} F1 ratio pasienis / splink example: {ratio:.4f}")


SYL = [
    "ka",
    "ra",
    "vi",
    "to",
    "mi",
    "na",
    "le",
    "jo",
    "sa",
    "pe",
    "tu",
    "da",
    "ru",
    "no",
    "bu",
    "gi",
    "ko",
    "li",
    "ma",
    "se",
    "zu",
    "vo",
    "ne",
    "ti",
]
ENDS = ["vas", "kas", "nis", "lis", "tis", "ov", "enko", "ski", "vich", "aitis"]
FIRST = [
    "Jonas",
    "Petras",
    "Aleksandr",
    "Dmitrij",
    "Tomas",
    "Andrius",
    "Ona",
    "Rasa",
    "Igor",
    "Olga",
    "Marius",
    "Serhii",
    "Natalia",
    "Vytautas",
    "Irina",
    "Pavel",
    "Giedrius",
    "Egle",
    "Nikolai",
    "Laura",
    "Darius",
    "Anna",
    "Oleg",
    "Ruta",
]


def synthetic(n: int, seed: int = 1) -> tuple[list[dict], dict[str, str]]:
    """``n`` person feature rows, ~30% of them noisy duplicates (ending, order, typo, date)."""
    rng, kind = random.Random(seed), kind_of("person")
    rows, truth, base = [], {}, []
    while len(rows) < n:
        if base and rng.random() < 0.3:
            pid, first, last, dob = rng.choice(base)
            variant = rng.random()
            if variant < 0.25:
                last = last + "as"
            elif variant < 0.5:
                first, last = last.upper(), first.upper()
            elif variant < 0.75:
                i = rng.randrange(len(last))
                last = last[:i] + rng.choice("aeiou") + last[i + 1 :]
            else:
                dob = f"{dob[:4]}-{dob[8:10]}-{dob[5:7]}" if int(dob[8:10]) <= 12 else dob[:4]
        else:
            pid = f"P{len(base):07d}"
            first = rng.choice(FIRST)
            last = "".join(rng.choice(SYL) for _ in range(rng.randint(1, 3))).title()
            last += rng.choice(ENDS)
            dob = f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            base.append((pid, first, last, dob))
        row = fold(kind, {"name": [f"{first} {last}"], "birthDate": [dob]})
        row |= {"entity_id": f"r{len(rows):08d}", "kind": "person", "datasets": "synthetic"}
        truth[row["entity_id"]] = pid
        rows.append(row)
    return rows, truth


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def speed(n: int) -> None:
    start = time.perf_counter()
    rows, truth = synthetic(n + n // 100)
    new, old = rows[n:], rows[:n]
    print(
        f"synthetic {len(rows):,} rows (features via model.names) in "
        f"{time.perf_counter() - start:.1f} s",
        flush=True,
    )
    start, cpu = time.perf_counter(), time.process_time()
    linker, notes = eng.train(
        eng.Engine(memory_mb=6144),
        eng.frame(old),
        "person",
        seed=42,
        max_pairs=RunParams().max_pairs,
    )
    trained = time.perf_counter()
    print(f"training notes: {notes}", flush=True)
    preds = eng.predict(linker, threshold=0.5)
    sure = preds[preds.match_probability >= THRESHOLD]
    groups = _groups(list(zip(sure.unique_id_l, sure.unique_id_r, strict=True)))
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    m = metrics({k: truth[k] for k in truth if k < f"r{n:08d}"}, groups)
    print(
        f"dedupe {n:,}: {total:.1f} s (train {trained - start:.1f} s, score+cluster "
        f"{total - (trained - start):.1f} s), {len(preds):,} pairs, P {m['P']:.4f} "
        f"R {m['R']:.4f} F1 {m['F1']:.4f} B3 F1 {m['B3_F1']:.4f}, "
        f"process CPU {cpu:.1f} s, peak RSS {_peak_mb():,.0f} MiB; target 120 s, ratio "
        f"{total / 120:.2f}",
        flush=True,
    )
    model = eng.model_json(linker)
    del linker, preds, sure
    # Free the million-record run before timing the incremental path (a resolve job runs
    # in its own process; otherwise the collector frees gigabytes inside the timed part).
    gc.collect()
    incremental_in_store(old, new, model)


def incremental_in_store(old: list[dict], new: list[dict], model: dict) -> None:
    """The production path: saved features of ``old`` in SQLite, ``new`` as an import's
    statements, ``resolve_new`` (indexed blocking lookups, saved model, resolver update)."""
    import tempfile
    import uuid
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from pasienis.config import Settings
    from pasienis.model import Provenance, entity_statements, install_model, write_statements
    from pasienis.resolve import resolve_new
    from pasienis.resolve.features import save_features
    from pasienis.resolve.models import resolution_runs
    from pasienis.store import open_store, upgrade

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/p.db")
        install_model(settings)
        store = open_store(settings)
        upgrade(store)
        now = datetime.now(UTC)
        with store.begin() as conn:
            save_features(store, conn, old, run_id="bench", kind="person", replace_all=True)
            conn.execute(
                insert(resolution_runs).values(
                    id=uuid.uuid4().hex,
                    kind="person",
                    mode="batch",
                    engine="duckdb",
                    status="completed",
                    parameters=asdict(RunParams()),
                    model=model,
                    started_at=now,
                    finished_at=now,
                )
            )
            stmts = []
            for r in new:
                stmts += entity_statements(
                    r["entity_id"],
                    "Person",
                    {"name": r["name"], "birthDate": r["dob"]},
                    Provenance("incoming", now, run_id="bench-import"),
                )
            write_statements(store, conn, stmts)
        start, cpu = time.perf_counter(), time.process_time()
        run = resolve_new(store, kind="person", import_run_id="bench-import")
        inc, cpu = time.perf_counter() - start, time.process_time() - cpu
        c = run["counts"]
        print(
            f"incremental {len(new):,} against {len(old):,} (SQLite store, blocked "
            f"candidates {c['candidates']:,}): {inc:.1f} s (process CPU {cpu:.1f} s), "
            f"{c['pairs']:,} pairs, "
            f"{c['auto']:,} merged; target 10 s, ratio {inc / 10:.2f}; peak RSS "
            f"{_peak_mb():,.0f} MiB; rules without an index lookup: "
            f"{c.get('rules_not_looked_up')}",
            flush=True,
        )
        store.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parts = ["scenario", "variants", "public", "speed", "all"]
    parser.add_argument("--part", default="all", choices=parts)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sets", nargs="*", help="public sets to run (default all)")
    parser.add_argument("--scale", type=float, default=1.0, help="scenario scale")
    parser.add_argument("--persons", type=int, default=4000, help="variant set persons")
    parser.add_argument("--seeds", type=int, nargs="*", default=[7], help="variant sets")
    args, _ = parser.parse_known_args()
    if args.part in ("scenario", "all"):
        scenario(args.scale, metrics)
    if args.part in ("variants", "all"):
        variants(metrics, args.persons, args.seeds)
    if args.part in ("public", "all"):
        public(args.sets)
    if args.part in ("speed", "all"):
        speed(args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
