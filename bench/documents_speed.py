"""Throughput part of bench_documents: extraction over many reports with many known names."""

from __future__ import annotations

import random
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from pasienis.config import Settings
from pasienis.documents import Options, ingest_paths
from pasienis.documents.extract import Extractor, load_name_index
from pasienis.documents.extract.identifiers import find_identifiers
from pasienis.documents.language import passage_languages
from pasienis.model import Provenance, entity_statements, install_model, make_id, write_statements
from pasienis.scenario.names import canonical, random_name
from pasienis.scenario.reports import LANGS, compose
from pasienis.scenario.world import build_world
from pasienis.store import open_store, upgrade

SYLLABLES = [
    "ka",
    "ra",
    "vi",
    "lo",
    "mu",
    "de",
    "sa",
    "to",
    "ne",
    "gri",
    "ba",
    "lu",
    "zu",
    "ste",
    "pa",
    "ko",
    "mi",
    "ja",
]
ENDINGS = ("as", "is", "ius", "ov", "enko", "ski", "uk")
SEEN = datetime(2026, 12, 1, tzinfo=UTC)


def texts(n: int) -> tuple[list[str], list[str]]:
    """``n`` scenario-style reports (deterministic) and the names of their people."""
    rng = random.Random(11)
    world = build_world(rng, 100.0)
    out = [
        compose(rng, world, world.networks[i % len(world.networks)], LANGS[i % 3], i + 1).render()
        for i in range(n)
    ]
    return out, [canonical(p.name) for p in world.persons]


def names(n: int, seed_names: list[str]) -> list[str]:
    """``n`` person names: the reports' people plus realistic and synthetic others."""
    rng = random.Random(5)
    found = list(dict.fromkeys(seed_names))
    countries = ("LT", "BY", "RU", "UA", "PL", "LV")
    while len(found) < n:
        name = random_name(rng, rng.choice(countries))
        if rng.random() < 0.5:
            family = "".join(rng.choice(SYLLABLES) for _ in range(3)).title() + rng.choice(ENDINGS)
            found.append(f"{name.given} {family}")
        else:
            found.append(canonical(name))
    return found[:n]


def fill_store(folder: Path, people: list[str]):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=folder, documents_ner=False)
    install_model(settings)
    store = open_store(settings)
    upgrade(store)
    prov = Provenance("bench_people", SEEN)
    rows = []
    for i, name in enumerate(people):
        rows += entity_statements(make_id("bench.person", i), "Person", {"name": name}, prov)
    with store.begin() as conn:
        write_statements(store, conn, rows)
    return settings, store


def timed(fn, *args):  # type: ignore[no-untyped-def]
    """Result and CPU seconds of this process (the machine is shared: wall time would count
    the other processes' turns; the target is per core)."""
    start = time.process_time()
    result = fn(*args)
    return result, time.process_time() - start


def extract_all(ext: Extractor, docs: list[str]) -> int:
    count = 0
    for text in docs:
        passages = passage_languages(text, None)
        count += len(ext.extract(text, passages))
    return count


def tokenise_all(docs: list[str]) -> int:
    return sum(len(re.findall(r"[^\W_]+", t)) for t in docs)


def phone_matcher_all(docs: list[str]) -> int:
    import phonenumbers

    return sum(len(list(phonenumbers.PhoneNumberMatcher(t, "LT"))) for t in docs)


def throughput(folder: Path, n_reports: int, n_names: int) -> list[str]:
    import os

    print(f"(times are CPU seconds of this process; load average {os.getloadavg()[0]:.1f})")
    docs, report_people = texts(n_reports)
    megabytes = sum(len(t.encode("utf-8")) for t in docs) / 1e6
    settings, store = fill_store(folder, names(n_names, report_people))
    with store.read() as conn:
        index, load_s = timed(load_name_index, conn)
    (_, build_s) = timed(index.build)
    lines = [
        f"{index.names:,} known names loaded in {load_s:.1f} s, automaton of "
        f"{len(index.entries):,} patterns built in {build_s:.1f} s"
    ]
    ext = Extractor(index=index, ner=False)
    found, secs = timed(extract_all, ext, docs)
    lines.append(
        f"extraction (languages, identifiers, known names): {n_reports:,} reports, "
        f"{megabytes:.2f} MB in {secs:.2f} s = {n_reports / secs:,.0f} docs/s, "
        f"{megabytes / secs:.2f} MB/s, {found:,} mentions"
    )
    _, id_secs = timed(lambda: sum(len(find_identifiers(t)) for t in docs))
    _, tok_secs = timed(tokenise_all, docs)
    lines.append(
        f"  identifiers alone {megabytes / id_secs:.2f} MB/s; reference re tokenising "
        f"{megabytes / tok_secs:.2f} MB/s: extraction costs {secs / tok_secs:.1f}x a "
        "tokenising pass"
    )
    sample = docs[: max(1, n_reports // 10)]
    sample_mb = sum(len(t.encode("utf-8")) for t in sample) / 1e6
    _, pm_secs = timed(phone_matcher_all, sample)
    _, our_secs = timed(lambda: [find_identifiers(t) for t in sample])
    lines.append(
        f"  reference phonenumbers.PhoneNumberMatcher alone {sample_mb / pm_secs:.2f} "
        f"MB/s; all our identifier finders {sample_mb / our_secs:.2f} MB/s "
        f"({pm_secs / our_secs:.1f}x)"
    )
    ner = Extractor(index=index, ner=True)
    _, ner_secs = timed(extract_all, ner, sample)
    lines.append(
        f"with unknown-name NER (natasha on ru, rule on en/lt): {len(sample) / ner_secs:,.1f}"
        f" docs/s, {sample_mb / ner_secs:.3f} MB/s"
    )
    lines.append(ingest_line(folder, settings, store, sample))
    store.dispose()
    return lines


def ingest_line(folder: Path, settings: Settings, store, sample: list[str]) -> str:  # type: ignore[no-untyped-def]
    files = folder / "files"
    files.mkdir()
    for i, text in enumerate(sample):
        (files / f"r{i:05d}.txt").write_text(text, encoding="utf-8")
    options = Options.from_settings(settings, dataset="bench_docs")
    wall = time.perf_counter()
    _, secs = timed(lambda: ingest_paths(store, [files], options=options))
    wall = time.perf_counter() - wall
    return (
        f"ingest-docs into SQLite (files read, originals stored, statements and mentions "
        f"written, no NER): {len(sample) / secs:,.1f} docs/CPU-s, "
        f"{len(sample) / wall:,.1f} docs/s wall"
    )
