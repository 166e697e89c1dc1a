"""Name keys: one definition of when two written names may be the same name.

Why: search, watchlist screening, entity resolution and document extraction must agree on
what "the same name" means, or an analyst finds a person that screening missed. Border and
customs data writes one person as "Žukauskas", "ZUKAUSKAS", "Žukauskienė" (his wife),
"Александр Иванов", "Aleksandr Ivanov", "Aleksandras Ivanovas" (Lithuanian ending) or
"Ivanovui" (dative case). :func:`token_keys` maps each of those to one key per name part, so a
variant is found by an index lookup (equal keys), not by a scan; scoring on top of a lookup is
the caller's business (:func:`name_similarity`).

Transliteration to Latin is rigour's (ICU rules); what rigour does not do — fold the
differences between transliteration systems (ICAO ``Iurii``, popular ``Yuriy``, Lithuanian
``Jurijus``) and strip Lithuanian/Russian gender and case endings — is done here, because no
library covers Lithuanian morphology for foreign names. Whether a written part is a real
person name at all (so that "Arūnas" against "Šarūnas" is two names, not a typo) is rigour's
name vocabulary (:func:`token_names`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from rigour.names import NameTypeTag, Symbol, analyze_names
from rigour.text import ascii_text, levenshtein

__all__ = [
    "ENDINGS",
    "Names",
    "ascii_name",
    "fold_transliteration",
    "key_similarity",
    "name_key",
    "name_similarity",
    "name_tokens",
    "names_of",
    "rendering_key",
    "rendering_key_of_tokens",
    "strip_ending",
    "token_key",
    "token_keys",
    "token_names",
    "typo_keys",
    "typo_variants",
]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# Ordered rewrites that make ICAO, popular, Polish-style and Lithuanian renderings of the
# same Cyrillic letters equal. Applied to ASCII lower case; the result is a key, not a name.
_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"shch|szcz|sch", "s"),
        (r"kh", "g"),
        (r"zh|rz", "z"),
        (r"sh|sz", "s"),
        (r"tch|ch|cz|tsh", "c"),
        (r"ts|tz", "c"),
        (r"ph", "f"),
        (r"h", "g"),  # Х is kh/h/ch, Ukrainian Г is h: Serhii = Sergii = Sergijus
        (r"x", "ks"),
        (r"w", "v"),
        (r"[jy]", "i"),
        (r"i(?=[aeou])", ""),  # ia/ja/ya -> a, iu/ju/yu -> u, ie/je/ye -> e, io/jo/yo -> o
        (r"(.)\1+", r"\1"),  # doubled letters (Aleksandrr, Anna)
    )
)

#: Gender and case endings (after folding), longest first. Lithuanian: -as -is -ys -us -ius,
#: female -ienė -aitė -ytė -utė -iūtė -ė -a and their genitive/dative -ės -ei, cases -o -ui
#: -ą -u -e -ai -ų; Russian female -a
#: -aya, cases -u -ym -om -oi -e. Folding runs first (y/j become i; "iu" becomes "u", "ie"
#: becomes "e", so -ienė is "ene" here and -aya is "a").
ENDINGS: tuple[str, ...] = (
    "enes",  # -ienės, -ienei: genitive and dative of the married form
    "enei",
    "aites",  # -aitės, -aitei, -ytės, -utės: of the maiden form
    "aitei",
    "ites",
    "utes",
    "ene",
    "aite",
    "ute",
    "ite",
    "as",
    "is",
    "us",
    "os",  # genitive of -a and -ė names: Rūta -> Rūtos, Agnė -> Agnės
    "es",
    "ui",
    "ai",
    "im",
    "om",
    "oi",
    "ei",
    "a",
    "e",
    "i",
    "o",
    "u",
)
_MIN_STEM = 3


def ascii_name(text: str) -> str:
    """Lower-case ASCII rendering (Cyrillic transliterated, diacritics dropped)."""
    return ascii_text(unicodedata.normalize("NFKC", text)).lower()


def name_tokens(text: str) -> list[str]:
    """The name's parts in ASCII lower case, punctuation dropped, order kept."""
    return list(_tokens(text))


@lru_cache(maxsize=262_144)
def _tokens(text: str) -> tuple[str, ...]:
    # Cached: transliteration is the expensive step, and a name's tokens and keys are
    # usually both wanted (entity resolution stores both).
    return tuple(tok for tok in _NON_ALNUM.split(ascii_name(text)) if tok)


def fold_transliteration(token: str) -> str:
    """Collapse the differences between transliteration systems in one ASCII token."""
    for pattern, repl in _FOLDS:
        token = pattern.sub(repl, token)
    return token


def strip_ending(token: str) -> str:
    """Remove one gender/case ending, keeping a stem of at least three letters.

    Applied twice at most, because Lithuanian adds its ending to an already inflected
    foreign form (Dmitrij -> Dmitrijus folds to "dmitrius", its stem "dmitr").
    """
    for _ in range(2):
        for ending in ENDINGS:
            if token.endswith(ending) and len(token) - len(ending) >= _MIN_STEM:
                token = token[: -len(ending)]
                break
        else:
            return token
    return token


@lru_cache(maxsize=262_144)
def token_key(token: str) -> str:
    """The key of one ASCII name part (a :func:`name_tokens` token)."""
    if token.isdigit():
        return token
    return strip_ending(fold_transliteration(token))


def token_keys(text: str) -> list[str]:
    """One key per name part: equal keys mean the parts may be the same name."""
    return list(_text_keys(text))


@lru_cache(maxsize=262_144)
def _text_keys(text: str) -> tuple[str, ...]:
    # Cached per whole text: search and screening score the same names over and over.
    return tuple(token_key(tok) for tok in _tokens(text))


def name_key(text: str) -> str:
    """The whole name's key, independent of part order (so swapped names are equal)."""
    return " ".join(sorted(token_keys(text)))


#: Endings Lithuanian adds to a foreign man's name in the nominative (Ivanov -> Ivanovas,
#: Sergej -> Sergejus, Kovalevič -> Kovalevičius, Kozlovskij -> Kozlovskis), longest first.
#: Female forms and grammatical cases are deliberately not here (see :func:`rendering_key`).
_NOMINATIVE: tuple[str, ...] = ("ius", "as", "is", "ys", "us")


@lru_cache(maxsize=262_144)
def _rendering_token(token: str) -> str:
    if token.isdigit():
        return token
    # Before folding, which turns "-jus" into "-us". Twice at most, like strip_ending: an
    # ending added to a name that already ends like one (Karavas -> Karavasas).
    for _ in range(2):
        for ending in _NOMINATIVE:
            if token.endswith(ending) and len(token) - len(ending) >= _MIN_STEM:
                token = token[: -len(ending)]
                break
        else:
            break
    token = fold_transliteration(token)
    # A final й/ий/ый: ICAO Sergei, Kozlovskii; popular Sergey; Lithuanian Sergej(us),
    # Kozlovskis — all one rendering of the same letters.
    if token.endswith("i") and len(token) > _MIN_STEM:
        token = token[:-1]
    return token


def rendering_key(text: str) -> str:
    """The name up to how it was written down, order-free: case, diacritics, script and
    transliteration system, name order and the nominative ending Lithuanian adds to a
    foreign man's name — "Aleksei Popov", "Aleksey Popov", "Aleksejus Popovas",
    "POPOV ALEKSEI" and "Алексей Попов" are one key.

    Why a second key beside :func:`name_key`: those are the same name, while the
    name key also folds what are different names of different people — gender forms
    (Aleksandr / Aleksandra, Ivanov / Ivanova, Kazlauskas / Kazlauskienė, a man and his
    wife or sister) and case forms. Entity resolution weighs the two differently.
    """
    return rendering_key_of_tokens(_tokens(text))


def rendering_key_of_tokens(tokens: Sequence[str]) -> str:
    """:func:`rendering_key` of a name already split by :func:`name_tokens` (entity
    resolution stores those, and a million names need not be transliterated again)."""
    return " ".join(sorted(_rendering_token(tok) for tok in tokens))


@lru_cache(maxsize=1 << 18)
def _edits(a: str, b: str) -> int:
    """Levenshtein distance, counting one swap of adjacent letters as one edit.

    Why not plain Levenshtein: "Jaknauskas" for "Jankauskas" is the commonest typing slip and
    costs two there. rigour has no Damerau distance, and a full one is not needed: only a
    distance of two can be a single swap, which this checks directly.
    """
    distance = levenshtein(a, b)
    if distance == 2 and len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]:
            return 1 if a[diff[1]] == b[diff[0]] else distance
    return distance


@lru_cache(maxsize=262_144)
def token_names(token: str) -> frozenset[str]:
    """The person names (rigour's ``NAME`` symbols, Wikidata ids) one ASCII name part is.

    rigour's vocabulary holds given names and surnames with their spellings across scripts:
    "sarunas" and "šarūnas" are Q391265, "arunas" is Q1758633. Looked up in the ASCII form
    the keys are made from (so "Šarūnas" and "SARUNAS" agree). Empty for a part the
    vocabulary does not know: most typos, case forms such as "Šarūno", rare names, and
    transliterations it lacks ("Шарунас" is "sharunas"); unknown parts are scored by edits
    alone.
    """
    if not token or token.isdigit():
        return frozenset()
    return frozenset(
        symbol.id
        for name in analyze_names(NameTypeTag.PER, [token])
        for symbol in name.symbols
        if symbol.category == Symbol.Category.NAME
    )


@lru_cache(maxsize=262_144)
def names_of(text: str) -> tuple[frozenset[str], ...]:
    """:func:`token_names` of each part, aligned with :func:`token_keys` of the same text."""
    return tuple(token_names(tok) for tok in _tokens(text))


Names = Sequence[frozenset[str]]


#: Extra edits charged when two real names that share no name start with different letters.
FIRST_LETTER_COST = 0.5


def _part_similarity(
    part: str, other: str, names: frozenset[str], others: frozenset[str],
    written: tuple[str, str] | None = None,
) -> float:  # fmt: skip
    """1 - edits / key length, where a differing first letter between two real names costs
    more. The edits are the keys' or, when fewer, those of the parts as written
    (:func:`name_tokens`): one typo stays one edit when stripping endings or folding made it
    several ("Paulausas" for "Paulauskas": keys "paula"/"paulausk", written one letter
    apart, 1 - 1/8). The length stays the keys', so shared endings do not water down a
    difference in the stem ("Arūnas"/"Šarūnas" stays 1 - 1.5/5).

    Why: one edit is one typo only if a typo is a plausible cause. A typing slip rarely hits
    the first letter (Pollock & Zamora 1984; it is why Jaro-Winkler, rigour's and
    nomenklatura's ``jaro_winkler``, rewards a common prefix), and a slip usually yields a
    non-name. So when both parts are names rigour knows (:func:`token_names`), have no name
    in common and start with different letters — "Arūnas"/"Šarūnas", "Paulius"/"Saulius" —
    the difference is more likely two names than a typo, and costs :data:`FIRST_LETTER_COST`
    more. Half an edit, not a whole one: rigour also lists the Belarusian, Ukrainian and
    Russian forms of one name apart ("Mykola"/"Nikolai", "Volha"/"Olga"), so such a pair
    must stay one equal birth date away from an alert; "Arūnas Urbonas" against "Šarūnas
    Urbonas" scores 0.85 (no alert at 0.88 on the name alone, an alert with the same birth
    date). A first-letter typo that makes a non-name ("Azlauskas") keeps the cost of one
    edit, and two known names that differ inside ("Aliaksandr"/"Aleksandr",
    "Dzmitry"/"Dmitry") score as before.
    """
    edits: float = _edits(part, other)
    if edits > 1 and written is not None and abs(len(written[0]) - len(written[1])) < edits:
        edits = min(edits, _edits(*written))  # (the length difference bounds it from below)
    if edits and part[:1] != other[:1] and names and others and names.isdisjoint(others):
        edits += FIRST_LETTER_COST
    return max(0.0, 1.0 - edits / max(len(part), len(other)))


def name_similarity(left: str, right: str) -> float:
    """0..1 similarity of two names' keys, order-free, tolerant of a typo per part.

    Each part of the shorter name is paired with its closest part of the other; a pair
    scores 1 - edit distance / length (see :func:`_part_similarity`). The mean over the
    shorter name's parts is returned, scaled down when one name has extra parts.
    """
    return key_similarity(
        _text_keys(left), _text_keys(right), names_of(left), names_of(right),
        _tokens(left), _tokens(right),
    )  # fmt: skip


def key_similarity(
    a: Sequence[str], b: Sequence[str], a_names: Names = (), b_names: Names = (),
    a_tokens: Sequence[str] = (), b_tokens: Sequence[str] = (),
) -> float:  # fmt: skip
    """:func:`name_similarity` on names already turned into :func:`token_keys` (an index
    keeps the keys, so scoring a stored name does not transliterate it again).

    ``a_names``/``b_names``: :func:`names_of` the same names, aligned with the keys; left
    empty (or of another length), every part counts as unknown to the vocabulary.
    ``a_tokens``/``b_tokens``: the parts as written (:func:`name_tokens`), aligned; a pair
    of parts counts the fewer edits of its keys and of its written forms (left empty: the
    keys').
    """
    if not a or not b:
        return 0.0
    if len(a_names) != len(a):
        a_names = ()
    if len(b_names) != len(b):
        b_names = ()
    if len(a_tokens) != len(a) or len(b_tokens) != len(b):
        a_tokens = b_tokens = ()
    if len(a) > len(b):
        a, b, a_names, b_names = b, a, b_names, a_names
        a_tokens, b_tokens = b_tokens, a_tokens
    unknown: frozenset[str] = frozenset()
    total = 0.0
    for i, part in enumerate(a):
        mine = a_names[i] if a_names else unknown
        total += max(
            _part_similarity(
                part, other, mine, b_names[j] if b_names else unknown,
                (a_tokens[i], b_tokens[j]) if a_tokens else None,
            )
            for j, other in enumerate(b)
        )  # fmt: skip
    return (total / len(a)) * (len(a) / len(b)) ** 0.5


#: Keys shorter than this get no typo variants: deleting a letter of "jon" matches too much.
_MIN_TYPO_KEY = 5


@lru_cache(maxsize=262_144)
def typo_keys(token: str) -> frozenset[str]:
    """Keys of a written part's one-edit neighbours (``token`` a :func:`name_tokens` token):
    its key with a character deleted (:func:`typo_variants`) and the key of the token with a
    character deleted.

    Why both: a typo near the ending changes what is stripped ("Paulausas" keys to "paula",
    "Paulauskas" to "paulausk") and one near a folded letter changes the folding
    ("Kavaiauskaitė": "kavausk", "Kavaliauskaitė": "kavalausk"), so deleting before the key
    is made keeps any one edit of the written part one shared key (symmetric deletion);
    deleting from the key keeps two renderings of one name with a typo in the stem
    ("Aleksandras Ivanvas", "Александр Иванов") one key apart. Parts shorter than a key's
    minimum get none of the first kind.
    """
    key = token_key(token)
    found = typo_variants(key)
    if len(token) >= _MIN_TYPO_KEY and not token.isdigit():
        found |= {token_key(token[:i] + token[i + 1 :]) for i in range(len(token))}
    found.discard(key)
    return frozenset(found)


def typo_variants(key: str) -> set[str]:
    """The key with one character deleted at each position (symmetric-deletion typo keys).

    Two keys within one edit (a letter missing, extra, replaced or swapped) share a variant or
    one is the other's variant, so a typo is found by an index lookup. Short keys have none.
    """
    if len(key) < _MIN_TYPO_KEY or key.isdigit():
        return set()
    return {key[:i] + key[i + 1 :] for i in range(len(key))}
