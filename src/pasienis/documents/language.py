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
_PARAGRAPH = re.compile(r"\n\s*\n|\f")
_LETTER = re.compile(r"[^\W\d_]")


@cache
def _detector() -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``, or ``None`` when there are too few letters to tell."""
    sample = text[: PASSAGE_CHARS * 2]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
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
