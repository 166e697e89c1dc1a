"""What each resolvable kind reads from statements, and how a value becomes a feature.

Why one table of definitions: batch runs, incremental runs and the benchmarks must derive
the same features from the same values, so the derivation lives here once. Name keys come
from :mod:`pasienis.model.names` and plates from :mod:`pasienis.model.plates` — the same
definitions search and screening use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from stdnum.lt import asmens, pvm

from pasienis.model.names import ascii_name, name_tokens, token_keys
from pasienis.model.plates import normalise_plate
from pasienis.resolve.errors import UnknownKindError

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

#: Feature columns every kind fills (those it has no source for stay empty). Which of them
#: a run compares is decided from the data (:func:`pasienis.resolve.comparisons.settings_for`):
#: a column no record fills adds nothing but a null level.
FEATURES: tuple[str, ...] = (
    "name", "name_key", "name_fold", "tok_a", "tok_b", "dob", "id1", "id2",
    "country", "address", "phone", "email",
    "given", "surname", "birth_place", "occupation", "gender", "postcode", "vehicle",
)  # fmt: skip

#: Sources that are not a property of the entity itself: ``ref.prop`` reads ``prop`` of the
#: entity that property ``ref`` points to (an Address's postal code); ``VEHICLE`` is the
#: vehicle the entity appears with in events (crossings, declarations), see
#: :mod:`pasienis.resolve.features`.
VEHICLE = "@vehicle"


def identifier(value: str) -> str | None:
    """Document or register number: upper-case letters and digits only."""
    key = _NON_ALNUM.sub("", value.upper())
    return key or None


def personal_code(value: str) -> str | None:
    """A Lithuanian personal code (asmens kodas) with a valid check digit, else ``None``."""
    code = asmens.compact(value)
    return code if asmens.is_valid(code) else None


def vat_code(value: str) -> str | None:
    """A Lithuanian VAT code, compacted (``LT`` prefix dropped), or the plain identifier."""
    try:
        return pvm.validate(value)
    except Exception:  # stdnum raises several ValidationError subclasses: keep the raw key
        return identifier(value)


def phone(value: str) -> str | None:
    """E.164 (numbers without a country prefix are read as Lithuanian)."""
    try:
        parsed = phonenumbers.parse(value, "LT")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def iso_date(value: str) -> str | None:
    """An ISO date or its year/year-month prefix (partial dates are kept partial)."""
    value = value.strip()[:10]
    return value if _ISO_DATE.match(value) else None


def folded_text(value: str) -> str | None:
    """Addresses and free names: ASCII lower case, single spaces."""
    text = " ".join(ascii_name(value).split())
    return text or None


def plate(value: str) -> str | None:
    return normalise_plate(value) or None


def postcode(value: str) -> str | None:
    """A postal code as letters and digits, lower case (``LT-01103`` and ``lt 01103`` agree)."""
    key = _NON_ALNUM.sub("", value.upper())
    return key.lower() or None


@dataclass(frozen=True)
class Kind:
    """A resolvable kind: its FtM schemata and, per feature, the properties that feed it."""

    name: str
    schemata: tuple[str, ...]
    sources: dict[str, tuple[tuple[str, Callable[[str], str | None]], ...]]

    @property
    def props(self) -> set[str]:
        """Properties read from the entity's own statements (reference properties too)."""
        return {
            p.split(".", 1)[0] for pairs in self.sources.values() for p, _ in pairs if p[0] != "@"
        }

    @property
    def linked(self) -> set[tuple[str, str]]:
        """(reference property, property of the referenced entity) pairs."""
        return {
            tuple(p.split(".", 1))  # type: ignore[misc]
            for pairs in self.sources.values()
            for p, _ in pairs
            if "." in p
        }

    @property
    def uses_vehicle(self) -> bool:
        return any(p == VEHICLE for pairs in self.sources.values() for p, _ in pairs)


def _keep(value: str) -> str | None:
    return value.strip() or None


KINDS: dict[str, Kind] = {
    "person": Kind(
        "person",
        ("Person",),
        {
            "name": (("name", _keep), ("alias", _keep)),
            "dob": (("birthDate", iso_date),),
            "id1": (("passportNumber", identifier), ("idNumber", identifier)),
            "id2": (
                ("idNumber", personal_code),
                ("taxNumber", personal_code),
                ("innCode", identifier),
            ),
            "country": (("nationality", _keep), ("citizenship", _keep), ("country", _keep)),
            "address": (("address", folded_text),),
            "phone": (("phone", phone),),
            "email": (("email", str.lower),),
            "given": (("firstName", folded_text),),
            "surname": (("lastName", folded_text),),
            "birth_place": (("birthPlace", folded_text),),
            "occupation": (("profession", folded_text), ("position", folded_text)),
            "gender": (("gender", folded_text),),
            "postcode": (("addressEntity.postalCode", postcode),),
            "vehicle": ((VEHICLE, _keep),),
        },
    ),
    "company": Kind(
        "company",
        ("Company", "Organization", "LegalEntity"),
        {
            "name": (("name", _keep), ("alias", _keep)),
            "dob": (("incorporationDate", iso_date),),
            "id1": (("registrationNumber", identifier), ("idNumber", identifier)),
            "id2": (("vatCode", vat_code), ("taxNumber", identifier)),
            "country": (("country", _keep), ("jurisdiction", _keep)),
            "address": (("address", folded_text),),
            "phone": (("phone", phone),),
            "email": (("email", str.lower),),
            "postcode": (("addressEntity.postalCode", postcode),),
        },
    ),
    "vehicle": Kind(
        "vehicle",
        ("Vehicle",),
        {
            "name": (("model", _keep), ("name", _keep)),
            "dob": (("buildDate", iso_date),),
            "id1": (("registrationNumber", plate),),
            "id2": (("vin", identifier),),
            "country": (("country", _keep),),
        },
    ),
}


def kind_of(name: str) -> Kind:
    """The :class:`Kind` called ``name`` or :class:`UnknownKindError` naming the choices."""
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKindError(
            f"unknown entity kind {name!r}", hint=f"one of: {', '.join(KINDS)}"
        ) from None


def name_features(name: str | None) -> dict[str, str | None]:
    """``name_key``, the name as ASCII words (``name_fold``) and the first/last part keys
    (sorted, so name order does not matter)."""
    if not name:
        return {"name_key": None, "name_fold": None, "tok_a": None, "tok_b": None}
    keys = sorted(token_keys(name))
    return {
        "name_key": " ".join(keys) or None,  # = model.names.name_key, without a second pass
        "name_fold": " ".join(name_tokens(name)) or None,
        "tok_a": keys[0][:64] if keys else None,
        "tok_b": keys[-1][:64] if keys else None,
    }
