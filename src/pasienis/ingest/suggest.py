"""'Did you mean' for names an administrator typed: columns, properties, schemata, zones.

difflib's ratio finds the typos seen in practice (``Pavarde`` for ``Pavardė``,
``Europe/Vilna`` for ``Europe/Vilnius``); names are also compared without diacritics and case,
so a column written in ASCII still finds its Lithuanian spelling.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` choices that look like ``word``, closest first."""
    options = [c for c in dict.fromkeys(choices) if c != word]
    by_plain: dict[str, str] = {}
    for option in options:
        by_plain.setdefault(_plain(option), option)
    exact = [by_plain[p] for p in [_plain(word)] if p in by_plain]
    if exact:  # the same name but for case or diacritics: that is the one
        return exact
    fuzzy = difflib.get_close_matches(_plain(word), list(by_plain), n=n, cutoff=0.6)
    found = [*exact, *(by_plain[p] for p in fuzzy)]
    return list(dict.fromkeys(found))[:n]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` or ``""`` when nothing is close."""
    found = close_matches(word, choices)
    if not found:
        return ""
    return " (did you mean " + " or ".join(repr(f) for f in found) + "?)"
