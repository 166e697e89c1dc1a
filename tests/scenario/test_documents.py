"""Declarations, CN codes and report mention offsets, verified with ordinary parsers."""

from __future__ import annotations

import email
import email.policy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from lxml import etree
from pypdf import PdfReader

NS = {"d": "urn:pasienis:scenario:declaration:1"}


def _body(path: Path) -> str:
    if path.suffix == ".txt":
        return path.read_text(encoding="utf-8")
    if path.suffix == ".pdf":
        return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)
    if path.suffix == ".docx":
        return "\n".join(p.text for p in Document(str(path)).paragraphs)
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    part = msg.get_body(("plain",))
    assert part is not None
    return part.get_content()


@pytest.mark.parametrize("fmt", ["txt", "pdf", "docx", "eml"])
def test_mention_offsets_point_at_the_text(out: Path, truth: dict[str, Any], fmt: str) -> None:
    mentions = [m for m in truth["report_mentions"] if m["format"] == fmt]
    assert mentions
    bodies: dict[str, str] = {}
    for m in mentions:
        doc = m["document"]
        if doc not in bodies:
            bodies[doc] = _body(out / doc)
        assert bodies[doc][m["start"] : m["end"]] == m["text"], (doc, m)
    assert {m["language"] for m in mentions} >= {"en", "lt", "ru"} or len(bodies) < 3


def test_reports_cover_three_languages_and_entity_types(truth: dict[str, Any]) -> None:
    types = {m["entity_type"] for m in truth["report_mentions"]}
    assert types >= {"person", "vehicle", "phone", "iban", "company", "place"}
    phones = [m["text"] for m in truth["report_mentions"] if m["entity_type"] == "phone"]
    assert any(p.startswith("+") for p in phones)
    assert any(p.startswith("8 ") for p in phones)


def _codes() -> set[str]:
    raw = resources.files("pasienis.scenario").joinpath("data/cn_subset.json").read_text("utf-8")
    return {c["code"] for c in json.loads(raw)["codes"]}


def test_declarations_use_shipped_cn_codes_and_malformed_are_counted(
    out: Path, truth: dict[str, Any]
) -> None:
    root = etree.parse(str(out / "declarations.xml")).getroot()
    decls = root.findall("d:Declaration", NS)
    assert len(decls) == truth["files"]["declarations.xml"]["rows"]
    codes = _codes()
    assert all(c.text in codes for c in root.iterfind(".//d:CommodityCode", NS))
    bad = set()
    for d in decls:
        masses = [m.text or "" for m in d.iterfind(".//d:NetMass", NS)]
        numeric = all(m.replace(".", "", 1).isdigit() for m in masses)
        if d.find("d:MRN", NS) is None or not numeric:
            bad.add(d.get("lrn"))
    planted = {m["record"] for m in truth["malformed"] if m["file"] == "declarations.xml"}
    assert bad == planted
    assert truth["files"]["declarations.xml"]["bad"] == len(planted)
    with pytest.raises(etree.XMLSyntaxError):
        etree.parse(str(out / "declarations_truncated.xml"))


def test_fraudulent_declarations_are_detectable(out: Path, truth: dict[str, Any]) -> None:
    root = etree.parse(str(out / "declarations.xml")).getroot()
    by_lrn = {d.get("lrn"): d for d in root.findall("d:Declaration", NS)}
    fraud = truth["fraudulent_declarations"]
    assert {f["reason"] for f in fraud} == {"undervaluation", "misdeclared_cn"}
    for f in fraud:
        item = by_lrn[f["lrn"]].find("d:GoodsItem", NS)
        assert item is not None
        if f["reason"] == "undervaluation":
            value = float(item.findtext("d:StatisticalValue", namespaces=NS) or 0)
            assert value == pytest.approx(f["declared_value"], abs=0.01)
            assert value < 0.3 * f["expected_value"]
        else:
            assert item.findtext("d:CommodityCode", namespaces=NS) == f["declared_code"]
            assert f["actual_code"] != f["declared_code"]
