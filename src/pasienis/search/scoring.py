"""How well an indexed row answers a query: names, codes and plates (one definition).

Screening (:mod:`pasienis.watch`) scores a record against a listed entry with the same
functions, so an analyst's search and an alert agree on what matched.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from pasienis.model.names import (
    key_similarity,
    name_tokens,
    names_of,
    token_keys,
    typo_variants,
)
from pasienis.model.plates import plate_similarity
from pasienis.search.keys import PLATE_PROPS, value_keys

_HAS_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Match:
    """The best score of a row and the values (``prop: value``) that earned it."""

    score: float
    matched: tuple[str, ...]


def _near(key: str, keys: set[str]) -> bool:
    """A part's key equals, or is within one edit of, one of the query's part keys."""
    if key in keys:
        return True
    mine = typo_variants(key) | {key}
    return any(mine & (typo_variants(k) | {k}) for k in keys)


def score_row(
    text: str, qkeys: set[str], names: list[str], body: list[tuple[str, str, str]],
    name_keys: list[list[str]] | None = None,
) -> Match:  # fmt: skip
    """Score names by :func:`name_similarity`, codes by key equality, plates by look-alikes.

    ``name_keys``: the names' token keys as the index stored them (saves transliterating).
    """
    best, matched = 0.0, []
    if _HAS_LETTER.search(text):
        qkeys_, qnames, qwritten = token_keys(text), names_of(text), tuple(name_tokens(text))
        for i, name in enumerate(names):
            keys = (
                name_keys[i] if name_keys is not None and i < len(name_keys) else token_keys(name)
            )
            s = key_similarity(
                qkeys_, keys, qnames, names_of(name), qwritten, tuple(name_tokens(name))
            )
            if s > best + 1e-9:
                best, matched = s, [f"name: {name}"]
    if not any(k[0] in "icd" for k in qkeys):
        return Match(best, tuple(matched))  # no code in the query: only names can match
    for prop, prop_type, value in body:
        keys = value_keys(prop, prop_type, value)
        if not keys & qkeys:
            continue
        s = plate_similarity(text, value) if prop in PLATE_PROPS else 1.0
        if prop not in PLATE_PROPS and not any(k.startswith("i:") for k in keys & qkeys):
            continue
        if s > best + 1e-9:
            best, matched = s, [f"{prop}: {value}"]
    return Match(best, tuple(matched))


def highlight(text: str, query: str) -> str:
    """HTML-escaped ``text`` with the words that match a query part wrapped in ``<mark>``."""
    qkeys = set(token_keys(query))
    qwords = set(name_tokens(query))
    out, last = [], 0
    for m in _WORD.finditer(text):
        word = m.group(0)
        keys = token_keys(word)
        hit = bool(keys) and (
            any(_near(k, qkeys) for k in keys) or bool(set(name_tokens(word)) & qwords)
        )
        out.append(html.escape(text[last : m.start()]))
        out.append(f"<mark>{html.escape(word)}</mark>" if hit else html.escape(word))
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)
