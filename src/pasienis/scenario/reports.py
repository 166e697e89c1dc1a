"""Intelligence reports in English, Lithuanian and Russian with exact mention offsets.

Why: entity extraction and linking need a gold standard. Every entity is inserted through
``Body.entity`` which records its character span at the moment it is written, so the
offsets in truth.json are correct by construction (line wrapping only turns spaces into
newlines, which keeps every offset valid).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pasienis.scenario import identifiers as ids
from pasienis.scenario.documents import write_docx, write_eml, write_pdf
from pasienis.scenario.geo import place_by_code
from pasienis.scenario.names import CYRILLIC_COUNTRIES, canonical, variant
from pasienis.scenario.truth import Truth
from pasienis.scenario.world import Network, Person, World

WRAP = 88
FORMATS = ("txt", "pdf", "docx", "eml")
LANGS = ("en", "lt", "ru")
_SLOT = re.compile(r"\{(\w+)\}")

TEMPLATES: dict[str, tuple[str, ...]] = {
    "en": (
        "Operational report {ref}.",
        "On {date} a mobile unit observed vehicle {plate} near {place}; the driver was "
        "identified as {person}.",
        "{person} is believed to coordinate cigarette deliveries from Belarus together with "
        "{person2}, who uses the phone number {phone2}.",
        "The group was also seen using phone {phone}.",
        "Payments for the consignments are routed through {company}, account {iban}.",
        "Assessment: reliable source, information corroborated by ANPR data.",
    ),
    "lt": (
        "Operatyvinė pažyma {ref}.",
        "{date} mobilioji grupė netoli vietovės {place} pastebėjo transporto priemonę {plate}, "
        "kurią vairavo {person}.",
        "Manoma, kad {person} kartu su {person2} organizuoja cigarečių kontrabandą iš "
        "Baltarusijos; ryšiui naudojamas telefono numeris {phone}.",
        "Antrasis asmuo taip pat naudojasi numeriu {phone2}.",
        "Lėšos pervedamos per {company} sąskaitą {iban}.",
        "Vertinimas: šaltinis patikimas, informacija patvirtinta ANPR duomenimis.",
    ),
    "ru": (
        "Оперативная сводка {ref}.",
        "{date} у населённого пункта {place} замечен автомобиль {plate}, за рулём {person}.",
        "{person} поддерживает связь с {person2} по телефону {phone}; второй номер {phone2}.",
        "Оплата партий сигарет проходит через {company}, счёт {iban}.",
        "Оценка: источник надёжен, сведения подтверждены данными камер.",
    ),
}
_SUBJECTS = {"en": "Operational report", "lt": "Operatyvinė pažyma", "ru": "Оперативная сводка"}


@dataclass(slots=True)
class Body:
    """Text under construction plus the spans of the entities inserted into it."""

    parts: list[str] = field(default_factory=list)
    size: int = 0
    spans: list[dict[str, Any]] = field(default_factory=list)

    def text(self, s: str) -> None:
        """Append plain text."""
        self.parts.append(s)
        self.size += len(s)

    def entity(self, s: str, etype: str, eid: str) -> None:
        """Append an entity mention and remember where it is."""
        self.spans.append(
            {
                "entity_type": etype,
                "entity": eid,
                "text": s,
                "start": self.size,
                "end": self.size + len(s),
            }
        )
        self.text(s)

    def render(self) -> str:
        """Join and wrap to WRAP columns without ever breaking inside a mention."""
        chars = list("".join(self.parts))
        protected = set()
        for sp in self.spans:
            protected.update(range(sp["start"], sp["end"]))
        col, last_space = 0, -1
        for i, ch in enumerate(chars):
            if ch == "\n":
                col, last_space = 0, -1
                continue
            if ch == " " and i not in protected:
                last_space = i
            col += 1
            if col > WRAP and last_space >= 0:
                chars[last_space] = "\n"
                col, last_space = i - last_space, -1
        return "".join(chars)


def _name_in(person: Person, lang: str, rng: random.Random) -> str:
    """How an analyst writing in ``lang`` would spell the person."""
    if person.name.country in CYRILLIC_COUNTRIES:
        kind = {"en": "popular", "lt": "lithuanized", "ru": "cyrillic"}[lang]
        return variant(person.name, kind, rng)
    if lang == "lt" and person.name.country != "LT":
        return variant(person.name, "lithuanized", rng)
    return canonical(person.name)


def _values(
    rng: random.Random, world: World, net: Network, lang: str, n: int
) -> dict[str, tuple[str, str, str]]:
    """Slot -> (text, entity type, entity id) for one report about ``net``."""
    a, b = rng.choice(net.edges)
    pa, pb = world.person(a), world.person(b)
    code = rng.choice(net.companies)
    company = next(c for c in world.companies if c.code == code)
    vehicle = world.vehicle(rng.choice(net.vehicles))
    place = place_by_code(net.corridor)
    when = date(2026, 9, 1) + timedelta(days=rng.randrange(60))
    fmt_phone = ids.local_phone if rng.random() < 0.5 else str
    iban = ids.group_iban(company.iban) if rng.random() < 0.5 else company.iban
    return {
        "ref": (f"OP-2026-{n:04d}", "", ""),
        "date": (when.strftime("%Y-%m-%d") if lang != "ru" else when.strftime("%d.%m.%Y"), "", ""),
        "person": (_name_in(pa, lang, rng), "person", pa.pid),
        "person2": (_name_in(pb, lang, rng), "person", pb.pid),
        "phone": (fmt_phone(pa.phone), "phone", pa.phone),
        "phone2": (fmt_phone(pb.phone), "phone", pb.phone),
        "plate": (vehicle.plate, "vehicle", vehicle.vid),
        "company": (company.name, "company", company.code),
        "iban": (iban, "iban", company.iban),
        "place": (place.name, "place", place.code),
    }


def compose(rng: random.Random, world: World, net: Network, lang: str, n: int) -> Body:
    """Fill the language's template with one network's entities."""
    values = _values(rng, world, net, lang, n)
    body = Body()
    for sentence in TEMPLATES[lang]:
        pos = 0
        for m in _SLOT.finditer(sentence):
            body.text(sentence[pos : m.start()])
            text, etype, eid = values[m.group(1)]
            if etype:
                body.entity(text, etype, eid)
            else:
                body.text(text)
            pos = m.end()
        body.text(sentence[pos:] + "\n")
    return body


def write_reports(out: Path, rng: random.Random, world: World, scale: float, truth: Truth) -> int:
    """Write reports/ in txt, pdf, docx and eml; returns the number of documents."""
    folder = out / "reports"
    folder.mkdir(exist_ok=True)
    n_docs = max(8, int(16 * math.sqrt(max(scale, 0.01))))
    for i in range(n_docs):
        lang, fmt = LANGS[i % 3], FORMATS[i % 4]
        net = world.networks[i % len(world.networks)]
        body = compose(rng, world, net, lang, i + 1)
        text = body.render()
        name = f"report_{i + 1:04d}_{lang}.{fmt}"
        _write_one(folder / name, fmt, text, lang, i)
        for sp in body.spans:
            truth.mentions.append(
                {
                    "document": f"reports/{name}",
                    "format": fmt,
                    "language": lang,
                    "network": net.nid,
                    **sp,
                }
            )
            if sp["entity_type"] == "person":
                truth.record(sp["entity"], f"reports/{name}@{sp['start']}", sp["text"], None)
    truth.count("reports", n_docs)
    return n_docs


def _write_one(path: Path, fmt: str, text: str, lang: str, i: int) -> None:
    title = _SUBJECTS[lang]
    if fmt == "txt":
        path.write_text(text, encoding="utf-8")
    elif fmt == "pdf":
        write_pdf(path, title, text)
    elif fmt == "docx":
        write_docx(path, title, text)
    else:
        write_eml(path, title, text, i)
