"""Vehicle registration plates: one matching key for every source.

Cameras, border records and registers write the same plate differently (spaces, hyphens,
Cyrillic letters that look Latin on Belarusian, Russian and Ukrainian plates). Every capability
that compares plates uses :func:`normalise_plate`, so they all agree.
"""

from __future__ import annotations

import re

# Cyrillic letters that look like Latin ones on plates (A B E K M H O P C T Y X and I).
# Upper-cased first (see latinise_plate), so lowercase Cyrillic plates are covered too.
_CYRILLIC_TO_LATIN = str.maketrans("АВСЕНІКМОРТХУ", "ABCEHIKMOPTXY")  # noqa: RUF001 - on purpose
_PLATE_SEPARATORS = re.compile(r"[\s\-·.]+")

#: Plate formats as written (after Cyrillic look-alikes became Latin), per country.
PLATE_PATTERNS: dict[str, re.Pattern[str]] = {
    "LT": re.compile(r"^[A-Z]{3} ?\d{3}$|^\d{3} ?[A-Z]{3}$|^[A-Z]{2} ?\d{3}$"),
    "LV": re.compile(r"^[A-Z]{1,2}-?\d{1,4}$"),
    "PL": re.compile(r"^[A-Z]{2,3} ?[0-9A-Z]{4,5}$"),
    "BY": re.compile(r"^\d{4} ?[ABEIKMHOPCTX]{2}-?[1-7]$"),
    "RU": re.compile(r"^[ABEKMHOPCTYX]\d{3}[ABEKMHOPCTYX]{2} ?\d{2,3}$"),
    "UA": re.compile(r"^[ABCEHIKMOPTX]{2} ?\d{4} ?[ABCEHIKMOPTX]{2}$"),
    "DE": re.compile(r"^[A-Z]{1,3}-? ?[A-Z]{1,2} ?\d{1,4}[EH]?$"),
}


def latinise_plate(raw: str) -> str:
    """Upper case with Cyrillic look-alike letters replaced by Latin ones (separators kept)."""
    return raw.strip().upper().translate(_CYRILLIC_TO_LATIN)


def normalise_plate(raw: str) -> str:
    """The matching key used everywhere: Latin upper case, no spaces, hyphens or dots."""
    return _PLATE_SEPARATORS.sub("", latinise_plate(raw))


def plate_countries(raw: str) -> list[str]:
    """Countries whose plate format the value fits (as written, look-alikes latinised)."""
    written = re.sub(r"\s+", " ", latinise_plate(raw))
    return [country for country, pattern in PLATE_PATTERNS.items() if pattern.match(written)]


# --- misread tolerance -------------------------------------------------------------------------
#: Characters an ANPR camera confuses, each mapped to one representative: a read and the true
#: plate that differ only by these confusions have the same :func:`plate_class_key`.
OCR_CLASSES: dict[str, str] = {
    "O": "0",
    "D": "0",
    "Q": "0",
    "B": "8",
    "I": "1",
    "S": "5",
    "Z": "2",
    "G": "6",
}
_OCR_TABLE = str.maketrans(OCR_CLASSES)
#: Shorter class keys get no missing-character keys: "AB1" minus a letter matches too much.
_MIN_DELETE_LEN = 5


def plate_class_key(raw: str) -> str:
    """The plate with every look-alike character folded to one representative (0/O/D/Q...)."""
    return normalise_plate(raw).translate(_OCR_TABLE)


def plate_keys(raw: str) -> set[str]:
    """Index keys of a plate that tolerate one OCR confusion class and one missing character.

    ``c:<class key>`` for the plate itself and ``d:<class key minus one character>`` for each
    position. A read and a plate match when their key sets intersect: equal class keys
    (look-alikes), the read's class key among the plate's deletions (a character missing from
    the read), or a shared deletion (one character misread beyond the look-alike classes).
    The graph's co-travel and search both use these keys, so they agree on what a misread is.
    """
    key = plate_class_key(raw)
    if not key:
        return set()
    keys = {f"c:{key}"}
    if len(key) >= _MIN_DELETE_LEN:
        keys.update(f"d:{key[:i]}{key[i + 1 :]}" for i in range(len(key)))
    return keys


def plate_query_keys(raw: str) -> set[str]:
    """Keys to look up for a plate as typed or read (a read may also lack a character)."""
    key = plate_class_key(raw)
    if not key:
        return set()
    # The read lacks a character: its class key is one of the plate's deletions. It has one
    # too many: one of its deletions is the plate's class key.
    keys = {f"c:{key}", f"d:{key}"}
    if len(key) > _MIN_DELETE_LEN:
        for i in range(len(key)):
            deleted = key[:i] + key[i + 1 :]
            keys.update((f"c:{deleted}", f"d:{deleted}"))
    return keys


def plate_similarity(left: str, right: str) -> float:
    """1.0 for the same plate, slightly less for a look-alike, less again for an edit."""
    from rigour.text import levenshtein

    a, b = normalise_plate(left), normalise_plate(right)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ca, cb = a.translate(_OCR_TABLE), b.translate(_OCR_TABLE)
    if ca == cb:
        return 0.95
    distance = levenshtein(ca, cb)
    return max(0.0, 0.9 - 0.15 * (distance - 1)) if distance <= 2 else 0.0
