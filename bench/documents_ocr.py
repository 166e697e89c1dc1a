"""OCR part of bench_documents: scanned pages from known report texts, CER and recall."""

from __future__ import annotations

import random
import time
from pathlib import Path

from rigour.text import levenshtein

from pasienis.documents.extract import Extractor
from pasienis.documents.extract.identifiers import find_identifiers
from pasienis.documents.formats import OcrOptions, ocr_unavailable
from pasienis.documents.formats.image import read_image
from pasienis.scenario.reports import LANGS, compose
from pasienis.scenario.scans import render_scan
from pasienis.scenario.world import build_world

ID_KINDS = ("plate", "phone", "iban")


def _cpu() -> float:
    """CPU seconds of this process and its finished children (tesseract runs as one)."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def cer(expected: str, got: str) -> float:
    a, b = " ".join(expected.split()), " ".join(got.split())
    return levenshtein(a, b) / max(1, len(a))


def report_texts(per_lang: int) -> list[tuple[str, str]]:
    """(language, text) of scenario-style reports, deterministic."""
    rng = random.Random(7)
    world = build_world(rng, 1.0)
    out = []
    for i in range(per_lang * len(LANGS)):
        lang = LANGS[i % len(LANGS)]
        net = world.networks[i % len(world.networks)]
        out.append((lang, compose(rng, world, net, lang, i + 1).render()))
    return out


def ocr_bench(folder: Path, per_lang: int) -> list[str]:
    why = ocr_unavailable(OcrOptions())
    if why:
        return [f"OCR skipped: {why}"]
    folder.mkdir(parents=True, exist_ok=True)
    options = OcrOptions()
    ext = Extractor(ner=False)
    stats: dict[str, list[float]] = {lang: [] for lang in LANGS}
    hits: dict[str, list[int]] = {lang: [0, 0] for lang in LANGS}
    seconds = cpu = 0.0
    pages = report_texts(per_lang)
    for i, (lang, text) in enumerate(pages):
        path = folder / f"scan_{i}.png"
        render_scan(text, seed=i).save(path)
        start, used = time.perf_counter(), _cpu()
        got = read_image(path.read_bytes(), "image/png", ocr=options).text
        seconds += time.perf_counter() - start
        cpu += _cpu() - used
        stats[lang].append(cer(text, got))
        want = {(f.kind, f.value) for f in find_identifiers(text) if f.kind in ID_KINDS}
        found = {(f.kind, f.value) for f in ext.extract(got) if f.kind in ID_KINDS}
        hits[lang][0] += len(want & found)
        hits[lang][1] += len(want)
    lines = []
    for lang in LANGS:
        mean = sum(stats[lang]) / len(stats[lang])
        found, total = hits[lang]
        lines.append(
            f"OCR {lang}: CER {mean:.4f} over {len(stats[lang])} pages; "
            f"identifier recall {found}/{total} = {found / max(1, total):.3f}"
        )
    lines.append(
        f"OCR speed: {len(pages) / cpu:.2f} pages per CPU-second (tesseract's and ours), "
        f"{len(pages) / seconds:.2f} pages/s wall (300 dpi A4-width, lit+rus+eng)"
    )
    return lines
