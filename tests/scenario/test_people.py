"""Realism of names, plates and identifiers, checked on the written files."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import schwifty
from openpyxl import load_workbook
from scenario_io import read_csv
from stdnum.lt import pvm

from pasienis.scenario.plates import PLATE_PATTERNS

CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _ascii_fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def test_share_of_persons_with_name_variants_is_sane(truth: dict[str, Any]) -> None:
    clusters = truth["identity_clusters"]
    assert len(clusters) > 100
    varied = [c for c in clusters if len(c["names"]) > 1]
    assert 0.1 < len(varied) / len(clusters) < 0.7


def test_diacritics_dropped_and_cyrillic_variants_present(truth: dict[str, Any]) -> None:
    folded = cyr = lithuanized = 0
    for c in truth["identity_clusters"]:
        names = c["names"]
        folded += any(n != _ascii_fold(n) and _ascii_fold(n) in names for n in names)
        cyr += any(CYRILLIC.search(n) for n in names) and any(not CYRILLIC.search(n) for n in names)
        lithuanized += any(re.search(r"(as|us|is)$", n.split()[-1]) for n in names) and any(
            CYRILLIC.search(n) for n in names
        )
    assert folded >= 3
    assert cyr >= 5
    assert lithuanized >= 1


def test_crossing_plates_match_country_formats(out: Path) -> None:
    rows = [r for r in read_csv(out / "crossings.csv") if r["vehicle_plate"]]
    matched = sum(any(p.match(r["vehicle_plate"]) for p in PLATE_PATTERNS.values()) for r in rows)
    assert matched == len(rows)
    assert any(CYRILLIC.search(r["vehicle_plate"]) for r in rows)  # look-alike letters
    by = [r["vehicle_plate"] for r in rows if r["nationality"] == "BY"]
    assert sum(bool(PLATE_PATTERNS["BY"].match(p)) for p in by) > 0.7 * len(by)


def test_crossing_timestamps_have_vilnius_offsets(out: Path) -> None:
    offsets = {r["timestamp"][-6:] for r in read_csv(out / "crossings.csv")}
    assert offsets == {"+03:00", "+02:00"}  # DST ends on 25 October 2026


def test_company_codes_vat_and_ibans_validate(out: Path) -> None:
    wb = load_workbook(out / "companies.xlsx", read_only=True)
    rows = list(wb["Companies"].iter_rows(min_row=2, values_only=True))
    assert len(rows) > 50
    for code, name, form, _addr, _reg, vat, iban in rows:
        assert re.fullmatch(r"\d{9}", code)
        assert pvm.calc_check_digit(code[:8]) == code[8]
        assert str(name).startswith(str(form))
        pvm.validate(vat)
        schwifty.IBAN(iban)
    officers = list(wb["Officers"].iter_rows(min_row=2, values_only=True))
    assert {o[3] for o in officers} == {"director", "shareholder"}


def test_report_ibans_validate(truth: dict[str, Any]) -> None:
    ibans = [m["text"] for m in truth["report_mentions"] if m["entity_type"] == "iban"]
    assert ibans
    for text in ibans:
        assert schwifty.IBAN(text.replace(" ", "")).country_code == "LT"


def test_watchlist_entries_match_variant_names(out: Path, truth: dict[str, Any]) -> None:
    entries = [json.loads(x) for x in (out / "watchlist.jsonl").read_text("utf-8").splitlines()]
    assert {e["type"] for e in entries} == {"person", "vehicle"}
    persons = [m for m in truth["watchlist_matches"] if m["type"] == "person"]
    variant = [m for m in persons if m["listed_as"] != m["canonical"] and m["appears_as"]]
    assert len(variant) >= 5
    crossing_names = {r["person_name"] for r in read_csv(out / "crossings.csv")}
    assert any(set(m["appears_as"]) & crossing_names for m in variant)
