"""Benchmark: extraction accuracy on the scenario's reports, OCR, and throughput.

Run: ``PYTHONPATH=src python bench/bench_documents.py [--scale 9] [--reports 10000]
[--names 100000] [--ocr-pages 6]``. Prints

1. precision/recall per kind (plate, phone, IBAN, person, company, place), per language and
   per format (txt, pdf, docx, eml) against truth.json's ``report_mentions``, after loading the
   scenario into a fresh SQLite store and ingesting its reports with ``ingest_paths``;
1b. linking precision/recall of the mentions to resolved entities, against two baselines in
   the same run (:mod:`documents_linking`);
2. OCR of scanned pages rendered from report texts (noise, slight rotation): character error
   rate, identifier recall, pages/s;
3. throughput of extraction over ``--reports`` texts with ``--names`` known names: docs/s and
   MB/s on one core, against two references measured in the same run (tokenising the text
   once with ``re``; phonenumbers' own ``PhoneNumberMatcher`` over the same texts).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from documents_eval import Score, load_truths, score_document, summarise
from pasienis.config import Settings
from pasienis.documents import Options, ingest_paths
from pasienis.documents.models import documents, mentions
from pasienis.model import install_model
from pasienis.model.mention_links import mention_links
from pasienis.model.models import statements
from pasienis.store import Store, open_store, upgrade


def fresh_store(folder: Path) -> tuple[Settings, Store]:
    settings = Settings(data_dir=folder, documents_ocr=True)
    install_model(settings)
    store = open_store(settings)
    upgrade(store)
    return settings, store


def owners_of(store: Store) -> dict[str, set[str]]:
    """Store entity id -> truth ids it stands for (person ids, company codes, place codes)."""
    from sqlalchemy import select

    from pasienis.scenario import generate  # noqa: F401 - scenario is loaded by the caller

    out: dict[str, set[str]] = {}
    with store.read() as conn:
        rows = conn.execute(
            select(
                statements.c.entity_id, statements.c.schema, statements.c.prop, statements.c.value
            ).where(statements.c.prop.in_(["name", "registrationNumber", "code"]))
        ).all()
    return {"rows": rows, **out}  # type: ignore[dict-item]


def person_owners(rows, truth) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    by_name: dict[str, set[str]] = {}
    for cluster in truth["identity_clusters"]:
        for name in cluster["names"]:
            by_name.setdefault(name, set()).add(cluster["person"])
    owners: dict[str, set[str]] = {}
    for entity_id, schema, prop, value in rows:
        if schema == "Person" and prop == "name":
            owners.setdefault(entity_id, set()).update(by_name.get(value, set()))
        elif (schema == "Company" and prop == "registrationNumber") or (
            schema == "BorderCheckpoint" and prop == "code"
        ):
            owners.setdefault(entity_id, set()).add(value)
    ambiguous = sum(1 for pids in by_name.values() if len(pids) > 1)
    print(f"names shared by two or more scenario persons (namesakes): {ambiguous}")
    return owners


def accuracy(folder: Path, scale: float) -> list[str]:
    from pasienis.ingest import load_scenario
    from pasienis.scenario import generate

    scenario = folder / "scenario"
    generate(seed=42, scale=scale, out=scenario)
    settings, store = fresh_store(folder / "data")
    start = time.perf_counter()
    load_scenario(store, folder=scenario)
    print(f"scenario scale {scale} loaded in {time.perf_counter() - start:.1f} s")
    truth = json.loads((scenario / "truth.json").read_text(encoding="utf-8"))
    start = time.perf_counter()
    options = Options.from_settings(settings, dataset="reports")
    report = ingest_paths(store, [scenario / "reports"], options=options)
    took = time.perf_counter() - start
    print(
        f"{len(report.documents)} reports ingested in {took:.1f} s "
        f"({len(report.documents) / took:.1f} docs/s with store writes and NER)"
    )
    owners = person_owners(owners_of(store)["rows"], truth)
    truths = load_truths(truth)
    from sqlalchemy import select

    per_doc = {}
    with store.read() as conn:
        paths = dict(conn.execute(select(documents.c.id, documents.c.source_path)).all())
        preds: dict[str, list[dict]] = {}
        # Extraction is scored on the extractor's own pick among the store's records (the
        # evidence's ``matched``); whether a mention is *linked* depends on resolution, which
        # this store has not run: the linking section scores links after resolution.
        picked = {r.mention_id: (r.evidence or {}).get("matched")
                  for r in conn.execute(select(mention_links))}  # fmt: skip
        for row in conn.execute(select(mentions)):
            pred = dict(row._mapping)
            if pred["id"] in picked:
                pred["entity_id"] = picked[pred["id"]]
            preds.setdefault(row.document_id, []).append(pred)
    for doc_id, path in paths.items():
        rel = "reports/" + Path(path).name
        per_doc[rel] = score_document(rel, preds.get(doc_id, []), truths, owners)
    store.dispose()
    return summarise(per_doc, truths)


def unknown_names(folder: Path, scale: float) -> list[str]:
    """The same reports into an empty store: every person is unknown, found only by NER."""
    from sqlalchemy import select

    scenario = folder / "scenario"
    generate_again = not (scenario / "truth.json").is_file()
    if generate_again:
        from pasienis.scenario import generate

        generate(seed=42, scale=scale, out=scenario)
    settings, store = fresh_store(folder / "empty")
    options = Options.from_settings(settings, dataset="reports")
    ingest_paths(store, [scenario / "reports"], options=options)
    truth = json.loads((scenario / "truth.json").read_text(encoding="utf-8"))
    truths = load_truths(truth)
    truths.known_pids.clear()
    with store.read() as conn:
        paths = dict(conn.execute(select(documents.c.id, documents.c.source_path)).all())
        preds: dict[str, list[dict]] = {}
        for row in conn.execute(select(mentions).where(mentions.c.kind == "person")):
            preds.setdefault(row.document_id, []).append(dict(row._mapping))
    store.dispose()
    by_lang: dict[str, Score] = {}
    total = Score()
    for doc_id, path in paths.items():
        rel = "reports/" + Path(path).name
        lang = truths.meta[rel][0]
        scores = score_document(rel, preds.get(doc_id, []), truths, {})
        by_lang.setdefault(lang, Score()).add(scores["person?"])
        total.add(scores["person?"])
    lines = [total.line("unknown persons, all")]
    lines += [by_lang[lg].line(f"unknown persons, {lg}") for lg in sorted(by_lang)]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=9.0, help="scenario scale (reports: 16√s)")
    parser.add_argument("--reports", type=int, default=10_000, help="texts for throughput")
    parser.add_argument("--names", type=int, default=100_000, help="known names for throughput")
    parser.add_argument("--ocr-pages", type=int, default=6, help="scanned pages per language")
    parser.add_argument(
        "--skip", default="", help="comma list of: accuracy, linking, ocr, throughput"
    )
    parser.add_argument(
        "--linking-scale",
        type=float,
        default=4.0,
        help="scenario scale of the linking part (it resolves the scenario)",
    )
    args, _unknown = parser.parse_known_args()
    skip = set(args.skip.split(","))
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp:
        folder = Path(tmp)
        if "accuracy" not in skip:
            print("--- accuracy on the scenario's reports ---")
            for line in accuracy(folder / "acc", args.scale):
                print(line)
            print("--- names not in the store (empty store; natasha ru, rule en/lt) ---")
            for line in unknown_names(folder / "acc", args.scale):
                print(line)
        if "linking" not in skip:
            from documents_linking import linking

            print("--- linking mentions to resolved entities (three linkers, same run) ---")
            for line in linking(folder / "link", args.linking_scale):
                print(line)
        if "ocr" not in skip:
            from documents_ocr import ocr_bench

            print("--- OCR of scanned pages rendered from report texts ---")
            for line in ocr_bench(folder / "ocr", args.ocr_pages):
                print(line)
        if "throughput" not in skip:
            from documents_speed import throughput

            print("--- extraction throughput ---")
            for line in throughput(folder / "speed", args.reports, args.names):
                print(line)
    return 0


if __name__ == "__main__":
    random.seed(0)
    sys.exit(main())
