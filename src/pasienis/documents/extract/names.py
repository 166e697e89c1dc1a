"""Names already in the store, found in text with one Aho-Corasick pass over token keys.

Why token keys: :mod:`pasienis.model.names` maps "Ivanovas", "Ivanovui", "Иванову" and
"Ivanov" to one key per name part, so a name is found in any case, gender or script form by
exact matching — no per-name fuzzy scan. The text becomes a string of token keys separated by
spaces, every known name a pattern " k1 k2 " in each order its parts may be written, and
pyahocorasick finds them all at once, whatever the number of names.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate, permutations

from pasienis.documents.extract.base import Found
from pasienis.model.names import token_keys

#: FtM schema of a named entity -> mention kind.
SCHEMA_KINDS = {
    "Person": "person",
    "Company": "company",
    "Organization": "company",
    "LegalEntity": "company",
    "PublicBody": "company",
    "BorderCheckpoint": "place",
    "Address": "place",
}
#: Legal forms dropped to make a second pattern ("UAB Vilkas" is also written "Vilkas").
LEGAL_FORMS = frozenset(
    [
        "uab",
        "ab",
        "mb",
        "vsi",
        "ii",
        "zub",
        "ooo",
        "oao",
        "zao",
        "pao",
        "ao",
        "ip",
        "llc",
        "ltd",
        "plc",
        "inc",
        "gmbh",
        "sia",
        "sp",
        "zoo",
        "tov",
        "chp",
    ]
)
_TOKEN = re.compile(r"[^\W_]+")
MIN_PLACE_KEY = 4
_GAP_OK = " \t\n\u00a0-„“”\"«»'"
_OPENING = frozenset('„“"«')
_CLOSING = '“”"»'
MAX_ORDERED = 3


@dataclass(slots=True)
class Tokens:
    """A text's tokens: spans, keys, and the key stream with each token's position in it."""

    spans: list[tuple[int, int]]
    keys: list[str]
    stream: str
    starts: list[int]  # position of each token's key in ``stream``


@dataclass(slots=True)
class NameIndex:
    """Known names as Aho-Corasick patterns over token keys; build once, search many texts."""

    entries: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    names: int = 0
    _automaton: object | None = None

    def add(self, entity_id: str, schema: str, name: str) -> None:
        """Index one name of one entity (ignored if its schema is not a named kind)."""
        kind = SCHEMA_KINDS.get(schema)
        if kind is None:
            return
        keys = [k for k in token_keys(name) if k]
        for variant in _variants(kind, keys):
            pattern = " " + " ".join(variant) + " "
            bucket = self.entries.setdefault(pattern, [])
            if (entity_id, kind, schema) not in bucket:
                bucket.append((entity_id, kind, schema))
        self.names += 1
        self._automaton = None

    def build(self) -> None:
        """Compile the automaton (done on first search when not called)."""
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for pattern, bucket in self.entries.items():
            automaton.add_word(pattern, (len(pattern), pattern.count(" ") - 1, tuple(bucket)))
        if self.entries:
            automaton.make_automaton()
        self._automaton = automaton

    def find(self, text: str, tokens: Tokens) -> list[Found]:
        """Every known name in ``text`` (overlaps not yet settled)."""
        if not self.entries:
            return []
        if self._automaton is None:
            self.build()
        found = []
        for end, (length, n_tokens, bucket) in self._automaton.iter(tokens.stream):  # type: ignore[attr-defined]
            # the pattern's leading space is at end-length+1, its first key right after it
            first = bisect_left(tokens.starts, end - length + 2)
            hit = _hit(text, tokens, first, first + n_tokens - 1, bucket)
            if hit is not None:
                found.append(hit)
        return found


def _variants(kind: str, keys: list[str]) -> Iterable[tuple[str, ...]]:
    """The orders a name's key parts may be written in."""
    if kind == "company":
        yield tuple(keys)
        rest = [k for k in keys if k not in LEGAL_FORMS]
        if rest and rest != keys and (len(rest) > 1 or len(rest[0]) >= MIN_PLACE_KEY + 1):
            yield tuple(rest)
        return
    if kind == "place":
        if len(keys) > 1 or (keys and len(keys[0]) >= MIN_PLACE_KEY):
            yield tuple(keys)
        return
    if len(keys) < 2:  # a surname alone names too many people
        return
    if len(keys) <= MAX_ORDERED:
        yield from set(permutations(keys))
    else:
        yield tuple(keys)
        yield tuple(reversed(keys))
    if len(keys) >= 3:  # first and last name without the patronymic / middle names
        yield (keys[0], keys[-1])
        yield (keys[-1], keys[0])


def _hit(
    text: str, tokens: Tokens, first: int, last: int, bucket: tuple[tuple[str, str, str], ...]
) -> Found | None:
    start, end = tokens.spans[first][0], tokens.spans[last][1]
    kind = bucket[0][1]
    gaps = (text[tokens.spans[i][1] : tokens.spans[i + 1][0]] for i in range(first, last))
    if any(gap.strip(_GAP_OK) for gap in gaps):  # no name runs across "." or ","
        return None
    if kind == "company" and text[end : end + 1] in _CLOSING and _OPENING & set(text[start:end]):
        end += 1
    # Names are capitalised in prose: "transportas" the word is not "Transportas" the company.
    heads = [text[s] for s, _ in tokens.spans[first : last + 1]]
    if kind == "company":
        if not heads[0].isupper() and text[start - 1 : start] not in "„\"'«“":
            return None
    elif not all(h.isupper() for h in heads):
        return None
    entities = sorted({e for e, k, _ in bucket if k == kind})
    confidence = 0.95 if len(entities) == 1 else 0.8
    entity_id = entities[0]
    schema = next(s for e, _, s in bucket if e == entity_id)
    value = " ".join(sorted(tokens.keys[first : last + 1]))
    many = tuple(entities) if len(entities) > 1 else ()
    return Found(kind, start, end, text[start:end], value, confidence, "store", entity_id, schema,
                 many)  # fmt: skip


class TokenKeys:
    """Per-process cache of token -> key (a text's tokens repeat; keys cost a transliteration)."""

    def __init__(self, limit: int = 500_000) -> None:
        self._cache: dict[str, str] = {}
        self._limit = limit

    def _key(self, token: str) -> str:
        key = "".join(token_keys(token)) or "\x00"  # a token without letters keeps its slot
        if len(self._cache) >= self._limit:
            self._cache.clear()
        self._cache[token] = key
        return key

    def tokens(self, text: str) -> Tokens:
        """Tokenise ``text`` and build its key stream (list comprehensions: the hot path)."""
        cache = self._cache
        matches = list(_TOKEN.finditer(text))
        words = [m.group() for m in matches]
        keys = [cache[w] if w in cache else self._key(w) for w in words]
        starts = list(accumulate([len(k) + 1 for k in keys], initial=1))
        return Tokens(
            spans=[m.span() for m in matches], keys=keys, stream=" " + " ".join(keys) + " ",
            starts=starts,
        )  # fmt: skip
