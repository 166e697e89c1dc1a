"""declarations.xml: customs declarations in a simplified EU Customs Data Model shape.

Why: undervaluation and misdeclared CN codes are the two frauds risk engines look for, and
ingest code must survive the malformed records every real feed contains. Both are planted
here and reported to truth.json with the reason.
"""

from __future__ import annotations

import json
import math
import random
import string
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree

from pasienis.scenario.truth import Truth
from pasienis.scenario.world import Company, World, written_name

NS = "urn:pasienis:scenario:declaration:1"
OFFICES = ("LTVR1000", "LTKA1000", "LTKL1000", "LTMD2000", "LTSL2000", "LTKB2000", "LTPN2000")
# Typical customs value per kg (EUR) by category, used to make undervaluation detectable.
VALUE_PER_KG = {
    "tobacco": 180.0,
    "alcohol": 6.0,
    "fuel": 0.9,
    "electronics": 120.0,
    "vehicles": 9.0,
    "textiles": 25.0,
    "pharma": 90.0,
    "furniture": 4.0,
    "packaging": 2.5,
    "metal": 2.2,
    "food": 3.5,
    "wood": 0.6,
    "cosmetics": 30.0,
    "jewellery": 900.0,
}
_COVER_CATEGORIES = ("packaging", "furniture", "wood", "food")
_ISO6346 = dict(
    zip(
        string.ascii_uppercase,
        (
            10,
            12,
            13,
            14,
            15,
            16,
            17,
            18,
            19,
            20,
            21,
            23,
            24,
            25,
            26,
            27,
            28,
            29,
            30,
            31,
            32,
            34,
            35,
            36,
            37,
            38,
        ),
        strict=True,
    )
)


def _q(tag: str) -> str:
    """Qualified tag name in the scenario namespace."""
    return f"{{{NS}}}{tag}"


@cache
def cn_codes() -> list[dict[str, str]]:
    """The shipped CN 2026 subset (see data/README.md for origin and licence)."""
    raw = resources.files("pasienis.scenario").joinpath("data/cn_subset.json").read_text("utf-8")
    doc = json.loads(raw)
    codes = doc["codes"]
    for c in codes:
        # Many CN leaves are just "Kiti" ("Other"); declarants then write the heading text.
        heading = doc["headings"][c["code"][:4]]["lt"] or ""
        short = len(c["name_lt"]) < 25
        c["description"] = f"{heading}: {c['name_lt']}" if short and heading else c["name_lt"]
    return codes


def mrn_check(body: str) -> str:
    """MRN check character (ISO 6346 weighting, as in the EU MRN definition)."""
    total = sum((int(ch) if ch.isdigit() else _ISO6346[ch]) * 2**i for i, ch in enumerate(body))
    return str(total % 11 % 10)


def _mrn(rng: random.Random, when: date) -> str:
    body = (
        f"{when:%y}LT"
        + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(12))
        + "A"
    )
    return body + mrn_check(body)


def _party(
    parent: etree._Element, tag: str, name: str, address: str, country: str, ident: str
) -> None:
    el = etree.SubElement(parent, _q(tag))
    for child, text in (
        ("Name", name),
        ("Address", address),
        ("Country", country),
        ("Identification", ident),
    ):
        if text:
            etree.SubElement(el, child).text = text


def _item(
    parent: etree._Element, n: int, code: dict[str, str], mass: str, value: float, origin: str
) -> None:
    el = etree.SubElement(parent, _q("GoodsItem"), sequence=str(n))
    etree.SubElement(el, _q("CommodityCode")).text = code["code"]
    etree.SubElement(el, _q("Description")).text = code["description"] or code["name_en"]
    etree.SubElement(el, _q("CountryOfOrigin")).text = origin
    etree.SubElement(el, _q("NetMass"), unit="KGM").text = mass
    etree.SubElement(el, _q("StatisticalValue"), currency="EUR").text = f"{value:.2f}"


def _goods(
    rng: random.Random, fraud: str, by_cat: dict[str, list[dict[str, str]]]
) -> tuple[list[tuple[dict[str, str], float, float]], dict[str, Any]]:
    """Items as (code, mass kg, value EUR) plus the fraud detail for truth.json."""
    items = []
    detail: dict[str, Any] = {}
    for _ in range(rng.choice((1, 1, 2, 3))):
        cat = rng.choice(sorted(VALUE_PER_KG))
        code = rng.choice(by_cat[cat])
        mass = round(rng.lognormvariate(math.log(800), 0.8), 1)
        value = mass * VALUE_PER_KG[cat] * rng.uniform(0.8, 1.25)
        items.append((code, mass, value))
    if fraud == "undervaluation":
        code, mass, value = items[0]
        factor = rng.uniform(0.08, 0.25)
        items[0] = (code, mass, value * factor)
        detail = {
            "item": 1,
            "declared_value": round(value * factor, 2),
            "expected_value": round(value, 2),
        }
    elif fraud == "misdeclared_cn":
        real = rng.choice(by_cat[rng.choice(("tobacco", "alcohol", "electronics"))])
        cover = rng.choice(by_cat[rng.choice(_COVER_CATEGORIES)])
        mass = items[0][1]
        items[0] = (cover, mass, mass * VALUE_PER_KG["packaging"])
        detail = {"item": 1, "declared_code": cover["code"], "actual_code": real["code"]}
    return items, detail


def _declaration(
    root: etree._Element,
    rng: random.Random,
    idx: int,
    when: date,
    consignee: Company,
    world: World,
    fraud: str,
    by_cat: dict[str, list[dict[str, str]]],
    truth: Truth,
) -> dict[str, Any]:
    lrn = f"LRN{when:%Y%m%d}{idx:05d}"
    decl = etree.SubElement(root, _q("Declaration"), lrn=lrn)
    etree.SubElement(decl, _q("MRN")).text = _mrn(rng, when)
    etree.SubElement(decl, _q("AcceptanceDate")).text = when.isoformat()
    etree.SubElement(decl, _q("CustomsOffice")).text = rng.choice(OFFICES)
    broker = rng.choice(world.companies)
    _party(decl, "Declarant", broker.name, broker.address, "LT", "LT" + broker.code)
    foreign, fcountry = rng.choice(world.foreign_companies)
    _party(decl, "Consignor", foreign, "", fcountry, "")
    _party(decl, "Consignee", consignee.name, consignee.address, "LT", "LT" + consignee.code)
    truck = rng.choice([v for v in world.vehicles if v.kind == "truck"])
    transport = etree.SubElement(decl, _q("Transport"))
    etree.SubElement(transport, _q("Plate")).text = truck.plate
    driver = world.person(truck.owner)
    name = written_name(driver, rng)
    etree.SubElement(transport, _q("Driver")).text = name
    truth.record(driver.pid, f"declarations.xml:{lrn}/Driver", name, None)
    items, detail = _goods(rng, fraud, by_cat)
    for n, (code, mass, value) in enumerate(items, start=1):
        _item(decl, n, code, f"{mass:.1f}", value, fcountry if fcountry != "TR" else "CN")
    return {"lrn": lrn, "detail": detail, "element": decl}


def write_declarations(
    out: Path, rng: random.Random, world: World, scale: float, truth: Truth
) -> int:
    """declarations.xml (with planted bad records) and declarations_truncated.xml."""
    by_cat: dict[str, list[dict[str, str]]] = {}
    for c in cn_codes():
        by_cat.setdefault(c["category"], []).append(c)
    n = max(30, int(300 * math.sqrt(max(scale, 0.01))))
    root = etree.Element(_q("Declarations"), nsmap={None: NS})
    net_companies = [c for c in world.companies if c.network]
    bad = 0
    for i in range(1, n + 1):
        when = date(2026, 9, 1) + timedelta(days=rng.randrange(60))
        from_net = rng.random() < 0.15
        consignee = rng.choice(net_companies if from_net else world.companies)
        fraud = ""
        if rng.random() < (0.6 if from_net else 0.04):
            fraud = rng.choice(("undervaluation", "misdeclared_cn"))
        d = _declaration(root, rng, i, when, consignee, world, fraud, by_cat, truth)
        if fraud:
            truth.fraud.append(
                {
                    "lrn": d["lrn"],
                    "reason": fraud,
                    "consignee": consignee.code,
                    "network": consignee.network or None,
                    **d["detail"],
                }
            )
        if i % 97 == 13 or i % 89 == 7:
            bad += 1
            _break(d["element"], d["lrn"], i % 97 == 13, truth)
    tree = etree.ElementTree(root)
    etree.indent(tree, space=" ")
    data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    (out / "declarations.xml").write_bytes(data)
    truth.count("declarations.xml", n, bad)
    _write_truncated(out / "declarations_truncated.xml", data, truth)
    return n


def _break(decl: etree._Element, lrn: str, bad_mass: bool, truth: Truth) -> None:
    """Plant one malformed record: a non-numeric mass or a missing mandatory MRN."""
    if bad_mass:
        mass = decl.find(f"{{{NS}}}GoodsItem/{{{NS}}}NetMass")
        assert mass is not None
        mass.text = mass.text.replace(".", ",") + " kg" if mass.text else "n/a"
        truth.malformed.append(
            {
                "file": "declarations.xml",
                "record": lrn,
                "problem": "non_numeric_net_mass",
                "value": mass.text,
            }
        )
        return
    mrn = decl.find(f"{{{NS}}}MRN")
    assert mrn is not None
    decl.remove(mrn)
    truth.malformed.append(
        {
            "file": "declarations.xml",
            "record": lrn,
            "problem": "missing_mandatory_field",
            "field": "MRN",
        }
    )


def _write_truncated(path: Path, data: bytes, truth: Truth) -> None:
    """A transfer cut off mid-file: the first ~3 declarations, ending inside an element."""
    cut = data.find(b"<GoodsItem", data.find(b"</Declaration>") + 1)
    cut = data.find(b"<GoodsItem", cut + 1) + 30
    path.write_bytes(data[:cut])
    truth.malformed.append(
        {
            "file": "declarations_truncated.xml",
            "record": None,
            "problem": "truncated_xml",
            "bytes": cut,
        }
    )
    truth.count("declarations_truncated.xml", 0)
