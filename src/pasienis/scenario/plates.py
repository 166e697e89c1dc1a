"""Vehicle registration plates in the real formats seen at the Lithuanian border.

Why: plate matching across sources (border crossings typed by an officer, ANPR cameras,
seizure reports) is the backbone of vehicle analytics, and it fails in characteristic ways:
Cyrillic look-alike letters in Belarusian/Russian/Ukrainian records, and OCR confusions
such as O/0 or B/8 in camera reads. Both are generated here.
"""

from __future__ import annotations

import random
import re

# Formats as written on the plate / in the vehicle registration document.
PLATE_PATTERNS: dict[str, re.Pattern[str]] = {
    "LT": re.compile(r"^[A-Z]{3} ?\d{3}$"),
    "LV": re.compile(r"^[A-Z]{2}-\d{1,4}$"),
    "PL": re.compile(r"^[A-Z]{2,3} [0-9A-Z]{4,5}$"),
    "BY": re.compile(r"^\d{4} [ABEIKMHOPCTXАВЕІКМНОРСТХ]{2}-[1-7]$"),
    "RU": re.compile(r"^[ABEKMHOPCTYXАВЕКМНОРСТУХ]\d{3}[ABEKMHOPCTYXАВЕКМНОРСТУХ]{2} ?\d{2,3}$"),
    "UA": re.compile(r"^[ABCEHIKMOPTXАВСЕНІКМОРТХ]{2}\d{4}[ABCEHIKMOPTXАВСЕНІКМОРТХ]{2}$"),
    "DE": re.compile(r"^[A-Z]{1,3}-[A-Z]{1,2} \d{1,4}$"),
}

_LT_LETTERS = "ABCDEFGHJKLMNOPRSTUVZ"
_CYR_SAFE = "ABEKMHOPCTX"  # Latin letters that have Cyrillic twins, used on BY/RU plates
_UA_LETTERS = "ABCEHIKMOPTX"
_LATIN_TO_CYRILLIC = str.maketrans("ABCEHIKMOPTXY", "АВСЕНІКМОРТХУ")
_CYRILLIC_TO_LATIN = str.maketrans("АВСЕНІКМОРТХУ", "ABCEHIKMOPTXY")
_PL_COUNTIES = ("BI", "BSU", "BAU", "BSE", "WX", "WA", "GD", "KR")
_DE_CITIES = ("B", "M", "HH", "K", "F", "BN", "DD")
_RU_REGIONS = ("39", "39", "39", "77", "78", "177", "50")  # Kaliningrad (39) dominates

# Typical ANPR confusions (both directions) and their relative weights.
_OCR_SWAPS = {
    "O": "0",
    "0": "O",
    "B": "8",
    "8": "B",
    "I": "1",
    "1": "I",
    "S": "5",
    "5": "S",
    "Z": "2",
    "2": "Z",
    "D": "0",
    "G": "6",
}


def _letters(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def make_plate(rng: random.Random, country: str) -> str:
    """A new plate for a vehicle registered in ``country``, formatted as on the plate."""
    if country == "LT":
        sep = " " if rng.random() < 0.5 else ""
        return f"{_letters(rng, _LT_LETTERS, 3)}{sep}{_digits(rng, 3)}"
    if country == "LV":
        return f"{_letters(rng, _LT_LETTERS, 2)}-{rng.randint(1, 9999)}"
    if country == "PL":
        county = rng.choice(_PL_COUNTIES)
        tail = _digits(rng, 5) if rng.random() < 0.5 else _digits(rng, 4) + rng.choice("ACEHJK")
        return f"{county} {tail}"
    if country == "BY":
        return f"{_digits(rng, 4)} {_letters(rng, _CYR_SAFE, 2)}-{rng.randint(1, 7)}"
    if country == "RU":
        sep = " " if rng.random() < 0.5 else ""
        body = f"{rng.choice(_CYR_SAFE)}{_digits(rng, 3)}{_letters(rng, _CYR_SAFE, 2)}"
        return f"{body}{sep}{rng.choice(_RU_REGIONS)}"
    if country == "UA":
        return f"{_letters(rng, _UA_LETTERS, 2)}{_digits(rng, 4)}{_letters(rng, _UA_LETTERS, 2)}"
    if country == "DE":
        return f"{rng.choice(_DE_CITIES)}-{_letters(rng, _LT_LETTERS, 2)} {rng.randint(1, 9999)}"
    raise ValueError(f"no plate format for {country}")


def to_cyrillic(plate: str) -> str:
    """Replace Latin letters by their Cyrillic look-alikes (as typed on a Russian keyboard)."""
    return plate.translate(_LATIN_TO_CYRILLIC)


def normalise(plate: str) -> str:
    """The matching key: upper case, Latin letters only, no spaces or hyphens."""
    return re.sub(r"[\s\-]", "", plate.translate(_CYRILLIC_TO_LATIN).upper())


def misread(read: str, rng: random.Random) -> tuple[str, str]:
    """Apply one realistic ANPR error; returns (new read, error kind)."""
    swappable = [i for i, ch in enumerate(read) if ch in _OCR_SWAPS]
    if swappable and rng.random() < 0.75:
        i = rng.choice(swappable)
        return read[:i] + _OCR_SWAPS[read[i]] + read[i + 1 :], "ocr_confusion"
    if len(read) > 4:
        i = rng.choice((0, len(read) - 1, rng.randrange(len(read))))
        return read[:i] + read[i + 1 :], "missing_character"
    return read, "none"
