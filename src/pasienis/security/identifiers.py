"""Identifiers people read and trust — account names, call signs: one spelling each.

``admin`` spelled with a Cyrillic a (U+0430) looks like ``admin``, and ``ALFA-1`` in fullwidth
letters (U+FF21...) like ``ALFA-1``. An identifier is normalised to NFKC (which folds
fullwidth and compatibility forms into the ordinary ones) and refused if it then mixes scripts,
or holds control, format (zero-width, bidi override) or unassigned characters, or a lone
surrogate.

Scripts come from rigour's :func:`~rigour.text.scripts.text_scripts`, the Unicode Script
property as ICU4X computes it, and a dependency we already have through FollowTheMoney.
Python's :mod:`unicodedata` has no Script property: guessing it from character names
("CYRILLIC SMALL LETTER A") breaks on every character whose name does not say its script.
Mixing is judged as in Unicode TS #39's "highly restrictive" profile: one script, or Latin
with the combinations that Japanese, Chinese and Korean writing need.
"""

from __future__ import annotations

import unicodedata

from rigour.text.scripts import text_scripts

from pasienis.security.errors import IdentifierError

#: Script sets a single identifier may combine (UTS #39, highly restrictive).
ALLOWED_MIXES: tuple[frozenset[str], ...] = (
    frozenset({"Latin", "Han", "Hiragana", "Katakana"}),
    frozenset({"Latin", "Han", "Bopomofo"}),
    frozenset({"Latin", "Han", "Hangul"}),
)


def clean_identifier(text: str, *, what: str = "identifier", max_length: int = 128) -> str:
    """``text`` in NFKC without surrounding spaces, or :class:`IdentifierError` saying why.

    Args:
        text: What the user typed.
        what: How to name it in the error ("account name", "call sign").
        max_length: Longest accepted form (after normalisation).
    """
    if not isinstance(text, str) or _has_surrogate(text):
        raise IdentifierError(f"the {what} is not valid Unicode text")
    clean = unicodedata.normalize("NFKC", text).strip()
    if not clean or len(clean) > max_length:
        raise IdentifierError(f"a {what} needs 1 to {max_length} characters")
    bad = [c for c in clean if unicodedata.category(c)[0] == "C"]
    if bad:
        raise IdentifierError(
            f"the {what} {clean!r} holds invisible or control characters "
            f"({', '.join(f'U+{ord(c):04X}' for c in bad[:3])})"
        )
    scripts = text_scripts(clean)
    if len(scripts) > 1 and not any(scripts <= mix for mix in ALLOWED_MIXES):
        raise IdentifierError(
            f"the {what} {clean!r} mixes scripts ({', '.join(sorted(scripts))})",
            hint="use one alphabet: a Cyrillic letter can pass for a Latin one",
        )
    return clean


def normal_identifier(text: str) -> str:
    """The NFKC form used to look an identifier up (nothing refused: a lookup just misses)."""
    if _has_surrogate(text):
        return text
    return unicodedata.normalize("NFKC", text).strip()


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
