"""Language of a document and of each passage (lingua, restricted to the languages met here).

Why restricted: lingua is most accurate and fastest when it chooses among few languages; the
service's reports are Lithuanian, Russian and English with neighbours' languages mixed in.
Why per passage: an English report quotes a Russian message; name extraction uses the
passage's language (natasha only runs on Russian).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

#: ISO 639-1 codes of the languages told apart.
LANGUAGES = ("en", "lt", "ru", "pl", "lv", "de", "uk")
#: Passages shorter than this many letters take the document's language.
MIN_LETTERS = 24
PASSAGE_CHARS = 2000
#: Characters of a passage lingua looks at: its cost grows with the text, its accuracy is
#: settled well before (lingua's own evaluation: sentences of ~100 letters).
SAMPLE_CHARS = 250
_PARAGRAPH = re.compile(r"\n\s*\n|\f")
_LETTER = re.compile(r"[^\W\d_]")
_UKRAINIAN = re.compile("[іїєґІЇЄҐ]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_WORD = re.compile(r"[^\W\d_]+")
_ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "was",
        "is",
        "in",
        "with",
        "by",
        "for",
        "that",
        "from",
        "were",
        "has",
        "have",
    ]
)
MIN_FUNCTION_WORDS = 4
_LITHUANIAN_WORD = re.compile(r"(?<!\w)[a-ząčęėįšųūž]*[ėįų][a-ząčęėįšųūž]*")
MIN_LITHUANIAN_WORDS = 3


@cache
def _detector() -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _by_letters(letters: list[str], sample: str) -> str | None:
    """The language when the alphabet and function words settle it, else ``None`` (lingua).

    Why: lingua costs most of the extraction budget. Russian is Cyrillic without the
    Ukrainian letters; Lithuanian prose has lowercase words with ė, į or ų (no other language
    of the set has them; a quoted name is capitalised); English prose is a sixth or more
    function words ("the", "and", "was"), which none of the others shares.
    bench_documents.py compares this with lingua.
    """
    cyrillic = len(_CYRILLIC.findall(sample))
    if cyrillic > 0.4 * len(letters):  # Latin names, plates and IBANs fill the rest
        return None if _UKRAINIAN.search(sample) else "ru"
    if cyrillic:
        return None
    if len(_LITHUANIAN_WORD.findall(sample)) >= MIN_LITHUANIAN_WORDS:
        return "lt"
    words = _WORD.findall(sample.lower())
    english = sum(1 for w in words if w in _ENGLISH)
    if english >= MIN_FUNCTION_WORDS and english >= 0.15 * len(words):
        return "en"  # also with many quoted Lithuanian names, where lingua says "lt"
    return None


def detect_language(text: str, *, fast: bool = True) -> str | None:
    """ISO 639-1 code of ``text``, or ``None`` when there are too few letters to tell.

    ``fast``: let the alphabet decide where it can (see :func:`_by_letters`).
    """
    sample = text[:SAMPLE_CHARS]
    letters = _LETTER.findall(sample)
    if len(letters) < MIN_LETTERS:
        return None
    if fast and (by_letters := _by_letters(letters, sample)) is not None:
        return by_letters
    found = _detector().detect_language_of(sample)
    return found.iso_code_639_1.name.lower() if found is not None else None


def passages(text: str) -> list[tuple[int, int]]:
    """Paragraphs (split at blank lines and page breaks), long ones cut at line ends."""
    spans, pos = [], 0
    for m in [*_PARAGRAPH.finditer(text), None]:
        end = m.start() if m else len(text)
        while end - pos > PASSAGE_CHARS:
            cut = text.rfind("\n", pos, pos + PASSAGE_CHARS)
            cut = cut if cut > pos else pos + PASSAGE_CHARS
            spans.append((pos, cut))
            pos = cut
        if text[pos:end].strip():
            spans.append((pos, end))
        pos = m.end() if m else len(text)
    return spans


def passage_languages(text: str, default: str | None) -> list[tuple[int, int, str | None]]:
    """``(start, end, language)`` per passage; short passages take ``default``."""
    return [(s, e, detect_language(text[s:e]) or default) for s, e in passages(text)]
