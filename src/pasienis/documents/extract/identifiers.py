"""Identifiers in free text, each validated by the library that owns the format.

Candidates are found with regular expressions (fast, one pass each); a candidate becomes a
mention only when its validator accepts it: phonenumbers (default region LT), schwifty
(IBAN), python-stdnum (Lithuanian personal codes, ISO 6346 containers), the model's VIN and
company-code check digits and plate formats. Kinds without a check digit (passport numbers,
CN/HS codes, company codes) need a context word before them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from functools import lru_cache

from pasienis.documents.extract.base import Found
from pasienis.model.identifiers import is_valid_lt_company_code, is_valid_vin
from pasienis.model.plates import normalise_plate, plate_countries

#: Which kind wins when two candidates overlap (lower wins).
PRIORITY = {
    "email": 0, "iban": 1, "vin": 2, "container": 3, "lt_personal_code": 4, "coordinates": 5,
    "date": 6, "amount": 7, "phone": 8, "passport": 9, "lt_company_code": 10, "cn_code": 11,
    "plate": 12,
}  # fmt: skip

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}(?![\w-])")
_IBAN = re.compile(r"(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w])")
_VIN = re.compile(r"(?<![\w])[A-HJ-NPR-Z0-9]{17}(?![\w])")
_CONTAINER = re.compile(r"(?<![\w])[A-Z]{3}[UJZ] ?\d{6} ?\d(?![\w])")
_PERSONAL = re.compile(r"(?<![\w])[1-6]\d{10}(?![\w])")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d \-()]{5,16}\d(?![\w])")
_DATE = re.compile(r"(?<![\w.])(?:(\d{4})[-.](\d{2})[-.](\d{2})|(\d{2})\.(\d{2})\.(\d{4}))(?![\w])")
_COORD = re.compile(
    r"(?<![\w.])(-?\d{1,2}\.\d{3,8})°?\s?[NS]?\s?[,;]\s?(-?\d{1,3}\.\d{3,8})°?\s?[EW]?"
)
_CURRENCY = r"EUR|USD|PLN|BYN|RUB|GBP|€|\$|eur(?:ų|ai|o)?|euro|руб(?:\.|лей|ля)?|долл(?:\.|аров)?"
_NUMBER = r"\d{1,3}(?:[ \u00a0.,]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = re.compile(
    rf"(?<![\w.,])(?:(?P<c1>{_CURRENCY})\s?(?P<n1>{_NUMBER})|(?P<n2>{_NUMBER})\s?(?P<c2>{_CURRENCY}))(?![\w])",
    re.IGNORECASE,
)
_PLATE = re.compile(r"(?<![\w\-])[A-ZА-ЯІ0-9]{1,8}(?:[ \-][A-ZА-ЯІ0-9]{1,5}){0,2}(?![\w\-])")
_CONTEXT = {
    "passport": re.compile(
        r"(?:passport|pasas|paso|паспорт\w*|ID card|tapatybės kortelė\w*|удостоверени\w+)"
        r"[^\n\d]{0,25}?(?:No\.?|Nr\.?|№|number)?\s?(?P<v>[A-Z]{0,2}\d{6,9})(?![\w])",
        re.IGNORECASE,
    ),
    "lt_company_code": re.compile(
        r"(?:company code|įmonės kodas|juridinio asmens kodas|j\. ?a\. ?k\.|kodas|код)"
        r"[^\n\d]{0,15}?(?P<v>\d{9})(?![\w])",
        re.IGNORECASE,
    ),
    "cn_code": re.compile(
        r"(?:\bCN\b|\bHS\b|TARIC|\bKN\b|ТН ВЭД|prekės kodas|commodity code)"
        r"[^\n\d]{0,15}?(?P<v>\d{4}(?: ?\d{2}){0,3})(?![\w])",
        re.IGNORECASE,
    ),
}
#: Literal words one of which must occur before a context pattern is run (a fast pre-check).
_CONTEXT_WORDS = {
    "passport": ("passport", "pasas", "paso", "паспорт", "id card", "kortel", "удостоверени"),
    "lt_company_code": ("code", "kodas", "j.", "j. a", "код"),
    "cn_code": ("cn", "hs", "taric", "kn", "тн вэд", "kodas", "commodity"),
}
_CURRENCY_HINTS = ("eur", "usd", "pln", "byn", "rub", "gbp", "€", "$", "руб", "долл")
_CURRENCY_CODES = {"€": "EUR", "$": "USD", "eur": "EUR", "euro": "EUR", "руб": "RUB", "долл": "USD"}


@lru_cache(maxsize=65_536)
def _iban_value(raw: str) -> str | None:
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        return str(IBAN(raw).compact)
    except SchwiftyException:
        return None


def _iban(text: str) -> Iterator[Found]:
    for m in _IBAN.finditer(text):
        raw = m.group(0)
        # The optional groups may have eaten a following word; shorten until it validates.
        while len(raw) >= 15:
            value = _iban_value(raw)
            if value is None:
                raw = raw[:-1].rstrip()
                continue
            yield Found("iban", m.start(), m.start() + len(raw), raw, value, 1.0, "schwifty")
            break


#: Regions tried, in order, for a number in national format (trunk prefix 8 or 0) that is not
#: a valid Lithuanian one: reports copy Belarusian "8 029 ..." and Russian "8 9.." numbers.
FALLBACK_REGIONS = ("BY", "RU", "UA", "LV", "PL")


@lru_cache(maxsize=65_536)
def _parse_phone(raw: str) -> tuple[str, float] | None:
    """E.164 of a written number and the confidence (region LT first, then neighbours)."""
    import phonenumbers

    compact = raw.replace(" ", "").replace("-", "")
    regions = ("LT", *FALLBACK_REGIONS) if compact[:1] in "08" else ("LT",)
    for i, region in enumerate(regions):
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return value, 1.0 if i == 0 else 0.9
    return None


def _phone(text: str, taken: list[tuple[int, int]]) -> Iterator[Found]:
    for m in _PHONE.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        raw = m.group(0)
        digits = sum(c.isdigit() for c in raw)
        if not 7 <= digits <= 15:
            continue
        parsed = _parse_phone(raw)
        if parsed is not None:
            yield Found("phone", m.start(), m.end(), raw, parsed[0], parsed[1], "phonenumbers")


def _plate(text: str, taken: list[tuple[int, int]]) -> Iterator[Found]:
    for m in _PLATE.finditer(text):
        raw = m.group(0)
        if raw.isdigit() or raw.isalpha() or _overlaps(m.start(), m.end(), taken):
            continue
        # Shorten at spaces only (a hyphen belongs to the plate, "OP-2026-0001" is no plate).
        while raw:
            has_digit = any(c.isdigit() for c in raw)
            has_letter = any(c.isalpha() for c in raw)
            if has_digit and has_letter and plate_countries(raw):
                value = normalise_plate(raw)
                yield Found("plate", m.start(), m.start() + len(raw), raw, value, 0.95, "format")
                break
            raw = raw.rsplit(" ", 1)[0] if " " in raw else ""


def _stdnum_valid(module_name: str) -> Callable[[str], bool]:
    import importlib

    module = importlib.import_module(f"stdnum.{module_name}")
    return module.is_valid  # type: ignore[no-any-return]


def _email(text: str) -> Iterator[Found]:
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        yield Found("email", m.start(), m.end(), m.group(0), m.group(0).lower(), 1.0, "pattern")


def _date(text: str) -> Iterator[Found]:
    for m in _DATE.finditer(text):
        y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (
            m.group(6), m.group(5), m.group(4))  # fmt: skip
        try:
            value = date(int(y), int(mo), int(d)).isoformat()
        except ValueError:
            continue
        yield Found("date", m.start(), m.end(), m.group(0), value, 1.0, "calendar")


def _coordinates(text: str) -> Iterator[Found]:
    for m in _COORD.finditer(text):
        lat, lon = float(m.group(1)), float(m.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            value = f"{lat:.6f},{lon:.6f}"
            yield Found("coordinates", m.start(), m.end(), m.group(0), value, 0.9, "pattern")


def _amount(text: str) -> Iterator[Found]:
    lower = text.lower()
    if not any(hint in lower for hint in _CURRENCY_HINTS):  # substring search is C-fast
        return
    for m in _AMOUNT.finditer(text):
        number = (m.group("n1") or m.group("n2")).replace("\u00a0", " ")
        currency = (m.group("c1") or m.group("c2")).lower().rstrip(".")
        code = next((v for k, v in _CURRENCY_CODES.items() if currency.startswith(k)), currency)
        compact = re.sub(r"[ .,](?=\d{3}(?:\D|$))", "", number).replace(",", ".")
        value = f"{compact} {code.upper()}"
        yield Found("amount", m.start(), m.end(), m.group(0), value, 0.9, "pattern")


def _in_context(text: str) -> Iterator[Found]:
    lower = text.lower()
    for kind, pattern in _CONTEXT.items():
        if not any(word in lower for word in _CONTEXT_WORDS[kind]):
            continue
        for m in pattern.finditer(text):
            raw = m.group("v")
            value = raw.replace(" ", "")
            if kind == "lt_company_code" and not is_valid_lt_company_code(value):
                continue
            if kind == "cn_code" and not (
                len(value) in (4, 6, 8, 10) and 1 <= int(value[:2]) <= 97
            ):
                continue
            start = m.start("v")
            yield Found(kind, start, start + len(raw), raw, value, 0.85, "context")


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


_CODES = re.compile(
    r"(?<![\w])(?:[A-Z]{3}[UJZ] ?\d{6} ?\d|[A-HJ-NPR-Z0-9]{17}|[1-6]\d{10})(?![\w])"
)
_CODE_CHECKS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool], str], ...] = (
    ("container", _CONTAINER, _stdnum_valid("iso6346"), "iso6346"),
    ("vin", _VIN, lambda v: any(c.isalpha() for c in v) and is_valid_vin(v), "vin"),
    ("lt_personal_code", _PERSONAL, _stdnum_valid("lt.asmens"), "stdnum"),
)


def _codes(text: str) -> Iterator[Found]:
    """Containers, VINs and personal codes: one scan for the three shapes, then each check."""
    for m in _CODES.finditer(text):
        raw = m.group(0)
        for kind, shape, check, method in _CODE_CHECKS:
            value = raw.replace(" ", "")
            if shape.fullmatch(raw) and check(value):
                yield Found(kind, m.start(), m.end(), raw, value, 1.0, method)
                break


#: Finders that need nothing but the text, run first; phones and plates then skip their spans.
_FIRST = (_email, _iban, _codes, _coordinates, _date, _amount, _in_context)  # fmt: skip


def find_identifiers(text: str) -> list[Found]:
    """Every validated identifier mention in ``text`` (overlaps not yet settled).

    Phone and plate candidates inside an identifier already found (the digits of an IBAN, a
    date) are not even parsed: those two validators are the slow ones.
    """
    found: list[Found] = []
    for finder in _FIRST:
        found.extend(finder(text))
    taken = [(f.start, f.end) for f in found]
    phones = list(_phone(text, taken))
    found.extend(phones)
    taken.extend((f.start, f.end) for f in phones)
    found.extend(_plate(text, taken))
    return found
