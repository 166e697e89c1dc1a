"""Names not yet in the store: natasha for Russian, a capitalisation rule for English and
Lithuanian, or an installed spaCy pipeline when one is configured.

Why a rule for English and Lithuanian: no Lithuanian NER model ships inside a PyPI package,
and English models would be a download. Person names in both are runs of two or three
capitalised words that are not dictionary words (simplemma's dictionaries tell "Payments"
from "Petrauskas"). bench/bench_documents.py measures it against the scenario's truth.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pasienis.documents.extract.base import Found

_CAP_WORD = re.compile(r"\b[A-ZĄČĘĖĮŠŲŪŽ][a-ząčęėįšųūž]{1,20}\b")
_NATASHA_KINDS = {"PER": "person", "ORG": "company", "LOC": "place"}
#: Capitalised words that start names of things, not of people, in report prose.
_STOP = frozenset(
    [
        "uab",
        "ab",
        "mb",
        "ooo",
        "the",
        "on",
        "assessment",
        "payments",
        "operational",
        "report",
        "manoma",
        "vertinimas",
        "lėšos",
        "antrasis",
        "operatyvinė",
        "pažyma",
        "belarus",
        "baltarusijos",
        "lithuania",
        "lietuva",
        "russia",
        "anpr",
    ]
)


@cache
def _natasha() -> tuple[Any, Any]:
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


def natasha_names(text: str, offset: int = 0) -> list[Found]:
    """Persons, organisations and places in Russian ``text`` (natasha's slovnet NER)."""
    from natasha import Doc

    segmenter, tagger = _natasha()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    out = []
    for span in doc.spans:
        kind = _NATASHA_KINDS.get(span.type)
        if kind is None:
            continue
        start, end = offset + span.start, offset + span.stop
        out.append(Found(kind, start, end, span.text, span.text, 0.7, "natasha"))
    return out


@cache
def _known_word(word: str, lang: str) -> bool:
    import simplemma

    return bool(simplemma.is_known(word, lang=lang))


def _sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?:;\n"


def rule_names(text: str, lang: str | tuple[str, ...], offset: int = 0) -> list[Found]:
    """Runs of 2-3 capitalised words on one line: probably a person. A sentence's first word
    is dropped when it is a dictionary word ("Payments", "Manoma"): capitalised by position."""
    langs = (lang,) if isinstance(lang, str) else lang
    out: list[Found] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        words = [m for m in run if m.group(0).lower() not in _STOP]
        while (
            words
            and _sentence_start(text, words[0].start())
            and any(_known_word(words[0].group(0).lower(), lg) for lg in langs)
        ):
            words.pop(0)
        if 2 <= len(words) <= 3:
            start, end = words[0].start(), words[-1].end()
            if text[start:end].count(" ") == len(words) - 1:
                name = text[start:end]
                out.append(Found("person", offset + start, offset + end, name, name, 0.6, "rule"))
        run.clear()

    for m in _CAP_WORD.finditer(text):
        if run and text[run[-1].end() : m.start()] != " ":
            close()
        run.append(m)
    close()
    return out


@cache
def _spacy(model: str) -> Any:
    import spacy

    return spacy.load(model)  # an installed package; spacy.load never downloads


def spacy_names(text: str, model: str, offset: int = 0) -> list[Found]:
    """Entities from an installed spaCy pipeline (PERSON/PER, ORG, GPE/LOC)."""
    kinds = {"PERSON": "person", "PER": "person", "ORG": "company", "GPE": "place", "LOC": "place"}
    out = []
    for ent in _spacy(model)(text).ents:
        kind = kinds.get(ent.label_)
        if kind:
            s, e = offset + ent.start_char, offset + ent.end_char
            out.append(Found(kind, s, e, ent.text, ent.text, 0.7, "spacy"))
    return out


def spacy_language(model: str) -> str | None:
    """The language of a configured spaCy pipeline, or ``None`` when spaCy is not installed."""
    try:
        return str(_spacy(model).lang)
    except (ImportError, OSError):
        return None


def unknown_names(
    text: str, lang: str | None, offset: int = 0, *, spacy_model: str | None = None
) -> list[Found]:
    """Names in one passage by the method for its language."""
    if spacy_model and lang and spacy_language(spacy_model) == lang:
        return spacy_names(text, spacy_model, offset)
    if lang in ("ru", "uk"):
        # Foreign names stay in Latin letters in Russian prose ("за рулём Audrius Petrauskas");
        # natasha, trained on Cyrillic news, misses or mislabels them: the rule finds those.
        found = natasha_names(text, offset)
        latin = rule_names(text, ("lt", "en"), offset)
        keep = [f for f in found if not any(f.start < g.end and g.start < f.end for g in latin)]
        return keep + latin
    if lang in ("en", "lt"):
        return rule_names(text, lang, offset)
    return []
