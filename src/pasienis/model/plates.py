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
