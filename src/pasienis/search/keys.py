"""Index keys of values: the one definition search and screening look names and codes up by.

Why one module: an analyst's search and a watchlist screening must find the same records for
the same name or number. Every key is a short prefixed string; two values may be the same
when they share a key, and scoring decides afterwards (:mod:`pasienis.search.scoring`).

``n:`` a name part's key and ``t:`` its typo keys (:func:`pasienis.model.names.typo_keys`:
the key or the part as written with a character deleted), ``p:`` two parts of one name
together and ``q:`` the same with one of them a typo key (so a two-part name is found by the
rows holding both parts, not by aggregating every row of a common first name),
``i:`` a normalised identifier (phone in E.164, IBAN, document or company code, VIN),
``c:``/``d:`` a plate's look-alike and missing-character keys (:mod:`pasienis.model.plates`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from pasienis.model.names import name_tokens, token_key, typo_keys
from pasienis.model.plates import normalise_plate, plate_keys, plate_query_keys

__all__ = [
    "IDENTIFIER_TYPES",
    "compact_code",
    "identifier_keys",
    "name_keys",
    "name_parts",
    "name_query_keys",
    "pair_keys",
    "pair_query_keys",
    "part_keys",
    "part_query_keys",
    "phone_key",
    "query_key_tiers",
    "query_keys",
    "value_keys",
]

#: FollowTheMoney property types whose values are codes rather than words.
IDENTIFIER_TYPES = frozenset({"identifier", "phone", "iban", "email", "checksum"})
#: Properties that hold a vehicle plate (plate keys as well as the identifier key).
PLATE_PROPS = frozenset({"registrationNumber", "plate"})
_CODE = re.compile(r"[^0-9A-Z@.]+")
_HAS_DIGIT = re.compile(r"\d")
_MIN_CODE = 4


def compact_code(value: str) -> str:
    """Upper case without spaces, dashes, slashes or dots (``LT12 1000`` → ``LT121000``)."""
    return _CODE.sub("", value.upper()).replace(".", "")


@lru_cache(maxsize=65_536)
def phone_key(value: str, region: str = "LT") -> str | None:
    """E.164 form of a phone number written in any notation (``861234567`` → ``+37061234567``)."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _iban_key(value: str) -> str | None:
    try:
        return str(IBAN(value).compact)
    except (SchwiftyException, ValueError):
        return None


def identifier_keys(value: str, *, prop_type: str = "identifier", region: str = "LT") -> set[str]:
    """``i:`` keys of an identifier: its compact form, plus E.164 or IBAN when it parses."""
    keys: set[str] = set()
    code = compact_code(value)
    if len(code) >= _MIN_CODE:
        keys.add(f"i:{code}")
    if prop_type == "phone" or (prop_type == "identifier" and value.strip().startswith("+")):
        phone = phone_key(value, region)
        if phone:
            keys.add(f"i:{phone}")
    if prop_type in {"iban", "identifier"} and len(code) >= 15:
        iban = _iban_key(code)
        if iban:
            keys.add(f"i:{iban}")
    return keys


def part_keys(token: str) -> set[str]:
    """Keys one stored name part (a :func:`~pasienis.model.names.name_tokens` token) is
    indexed under: its key and its typo keys."""
    return {f"n:{token_key(token)}", *(f"t:{v}" for v in typo_keys(token))}


def part_query_keys(token: str) -> set[str]:
    """Keys to look one typed name part up by: its key, or any one-edit variant of it."""
    key = token_key(token)
    keys = {f"n:{key}", f"t:{key}"}
    for v in typo_keys(token):
        keys.update((f"n:{v}", f"t:{v}"))
    return keys


#: Most name parts whose pairs are keys (a longer name's first parts carry it).
MAX_PAIR_PARTS = 5


def name_parts(text: str) -> tuple[str, ...]:
    """A name's parts as written (:func:`~pasienis.model.names.name_tokens`), one per
    distinct key, sorted by key (what its pair keys are made of)."""
    return _name_parts(text)


@lru_cache(maxsize=262_144)
def _name_parts(text: str) -> tuple[str, ...]:
    by_key: dict[str, str] = {}
    for token in sorted(name_tokens(text)):
        by_key.setdefault(token_key(token), token)
    return tuple(by_key[k] for k in sorted(by_key))


def _pair(a: str, b: str, prefix: str = "p:") -> str:
    return prefix + "|".join(sorted((a, b)))


def _pairs(parts: tuple[str, ...]) -> list[tuple[str, str, frozenset[str], frozenset[str]]]:
    capped = parts[:MAX_PAIR_PARTS]
    keys = [token_key(p) for p in capped]
    variants = [typo_keys(p) for p in capped]
    return [(keys[i], keys[j], variants[i], variants[j])
            for i in range(len(capped)) for j in range(i + 1, len(capped))]  # fmt: skip


@lru_cache(maxsize=262_144)
def pair_keys(parts: tuple[str, ...]) -> frozenset[str]:
    """Keys a stored name is indexed under for every two of its parts (:func:`name_parts`):
    ``p:`` the two parts' keys, ``q:`` one of them replaced by one of its typo keys."""
    keys: set[str] = set()
    for a, b, va, vb in _pairs(parts):
        keys.add(_pair(a, b))
        keys.update(_pair(da, b, "q:") for da in va)
        keys.update(_pair(a, db, "q:") for db in vb)
    return frozenset(keys)


@lru_cache(maxsize=262_144)
def pair_query_keys(parts: tuple[str, ...]) -> frozenset[str]:
    """Keys a typed name is looked up by for every two of its parts: its pairs (``p:`` and
    ``q:``) and those with one part replaced by a typo key (``p:`` and ``q:``), so two names
    within one edit in one part share a key (symmetric deletion, as ``n:``/``t:``), while a
    stored name's own pairs (``p:``) stay apart from its typo pairs (``q:``): a search reads
    the exact namesakes first."""
    keys: set[str] = set()
    for a, b, va, vb in _pairs(parts):
        for prefix in ("p:", "q:"):
            keys.add(_pair(a, b, prefix))
            keys.update(_pair(da, b, prefix) for da in va)
            keys.update(_pair(a, db, prefix) for db in vb)
    return frozenset(keys)


@lru_cache(maxsize=262_144)
def name_keys(text: str) -> frozenset[str]:
    """Keys a stored name is indexed under: each part's key and its typo variants, and the
    pair keys of its parts."""
    keys: set[str] = set()
    for token in name_tokens(text):
        keys |= part_keys(token)
    return frozenset(keys | pair_keys(name_parts(text)))


def name_query_keys(text: str) -> set[str]:
    """Keys to look a typed name up by: for one part, the part or any one-edit variant of it;
    for several, the pair keys of its parts (rows holding two of them, one within one edit)
    and each part's own key (a row holding one part still ranks, below those holding two)."""
    parts = name_parts(text)
    if len(parts) > 1:
        return {*pair_query_keys(parts), *(f"n:{token_key(p)}" for p in parts)}
    return part_query_keys(parts[0]) if parts else set()


def _code_query_keys(text: str, region: str) -> set[str]:
    keys: set[str] = set()
    if _HAS_DIGIT.search(text):
        keys |= identifier_keys(text, prop_type="identifier", region=region)
        phone = phone_key(text, region)
        if phone:
            keys.add(f"i:{phone}")
        compact = compact_code(text)
        if 4 <= len(compact) <= 12:
            keys |= plate_query_keys(compact)
    return keys


def query_key_tiers(text: str, *, region: str = "LT") -> list[set[str]]:
    """:func:`query_keys` in the order a search reads them, most specific first.

    Several parts: (1) the exact pairs of its parts and any code keys, (2) the pairs with one
    part within one edit, (3) each part alone. One part: (1) the part and code keys, (2) its
    one-edit variants. A search stops after the tier that filled its candidate set: the
    exact namesakes of a common name outrank its typo variants and single-part holders, and
    reading those too was most of the time of a common name's query (their postings repeat
    the exact ones: a stored name is indexed under its own deletion pairs as well).
    """
    codes = _code_query_keys(text, region)
    parts = name_parts(text)
    if len(parts) > 1:
        capped = [token_key(p) for p in parts[:MAX_PAIR_PARTS]]
        exact = {_pair(a, b) for i, a in enumerate(capped) for b in capped[i + 1 :]}
        variants = set(pair_query_keys(parts)) - exact
        return [exact | codes, variants, {f"n:{token_key(p)}" for p in parts} - exact]
    if parts:
        own = {f"n:{token_key(parts[0])}"}
        return [own | codes, part_query_keys(parts[0]) - own]
    return [codes]


def value_keys(prop: str, prop_type: str, value: str, *, region: str = "LT") -> set[str]:
    """Keys of one stored property value (empty for free text, dates, countries...)."""
    if prop_type == "name":
        return set(name_keys(value))
    if prop in PLATE_PROPS:
        return plate_keys(value) | identifier_keys(normalise_plate(value))
    if prop_type in IDENTIFIER_TYPES:
        return identifier_keys(value, prop_type=prop_type, region=region)
    return set()


def query_keys(text: str, *, region: str = "LT") -> set[str]:
    """Every key a query may match: as a name, and (when it has digits) as a code or plate."""
    return name_query_keys(text) | _code_query_keys(text, region)
