"""Extraction: identifiers (validated), names known to the store, names not yet known.

:class:`Extractor` is built once per batch (it holds the name automaton) and applied to each
document's text; overlaps are settled so that one span of text is one mention.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pasienis.documents.extract.base import Found, non_overlapping
from pasienis.documents.extract.identifiers import PRIORITY, find_identifiers
from pasienis.documents.extract.known import (
    IDENTIFIER_ENTITIES,
    known_identifiers,
    load_name_index,
)
from pasienis.documents.extract.names import NameIndex, TokenKeys
from pasienis.documents.extract.ner import unknown_names

__all__ = [
    "IDENTIFIER_ENTITIES",
    "Extractor",
    "Found",
    "NameIndex",
    "known_identifiers",
    "load_name_index",
]

#: Identifiers before names known to the store before names guessed by NER.
_ORDER = {**PRIORITY, "person": 50, "company": 51, "place": 52}


@dataclass
class Extractor:
    """Finds every mention in a text. ``ner``: also guess names not in ``index``."""

    index: NameIndex = field(default_factory=NameIndex)
    ner: bool = True
    spacy_model: str | None = None
    keys: TokenKeys = field(default_factory=TokenKeys)

    def extract(
        self, text: str, passages: list[tuple[int, int, str | None]] | None = None
    ) -> list[Found]:
        """Mentions in ``text``; ``passages`` (start, end, language) choose the NER method."""
        found = find_identifiers(text)
        found.extend(self.index.find(text, self.keys.tokens(text)))
        priority = dict(_ORDER)
        if self.ner and passages:
            for start, end, lang in passages:
                chunk = text[start:end]
                found.extend(unknown_names(chunk, lang, start, spacy_model=self.spacy_model))
            return _settle(found, priority)
        return non_overlapping(found, priority)


def _settle(found: list[Found], priority: dict[str, int]) -> list[Found]:
    """Overlaps settled: identifiers, then known names, then guessed names."""
    guessed = [f for f in found if f.method in ("natasha", "rule", "spacy")]
    sure = non_overlapping([f for f in found if f not in guessed], priority)
    taken = [(f.start, f.end) for f in sure]
    extra = [f for f in guessed if not any(f.start < e and s < f.end for s, e in taken)]
    return sorted(sure + non_overlapping(extra, priority), key=lambda f: f.start)
