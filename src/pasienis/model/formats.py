"""Customs identifier formats (VIN, Lithuanian codes, plates, phones, strict IBAN).

Each format normalises a raw value and validates the normal form; a mapping names them with
``format: <name>`` on a property (or FtM schema YAML with ``format:`` on an identifier).
:func:`pasienis.model.install_model` registers them explicitly, so that cleaning a value never
depends on which package happened to be imported first.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum import iso6346
from stdnum.exceptions import ValidationError
from stdnum.lt import asmens, pvm

from pasienis.model.identifiers import is_valid_lt_company_code, is_valid_vin
from pasienis.model.plates import (
    PLATE_PATTERNS,
    latinise_plate,
    plate_countries,
)
from pasienis.model.values import IdentifierFormat, identifier_format, register_format


def _plate_format(country: str | None) -> IdentifierFormat:
    def is_valid(value: str) -> bool:
        found = plate_countries(value)
        return bool(found) if country is None else country in found

    return IdentifierFormat(
        normalize=lambda v: re.sub(r"\s+", " ", latinise_plate(v)), is_valid=is_valid
    )


def _digits_only(value: str) -> str | None:
    compact = re.sub(r"[\s\-.]", "", value)
    return compact or None


def _stdnum(module: object) -> IdentifierFormat:
    def normalize(value: str) -> str | None:
        try:
            return module.compact(value)  # type: ignore[attr-defined]
        except ValidationError:
            return None

    return IdentifierFormat(normalize=normalize, is_valid=module.is_valid)  # type: ignore[attr-defined]


def _phone() -> IdentifierFormat:
    import phonenumbers

    def normalize(value: str) -> str | None:
        try:
            number = phonenumbers.parse(value, "LT")
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def is_valid(value: str) -> bool:
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse(value, None))
        except phonenumbers.NumberParseException:
            return False

    return IdentifierFormat(normalize=normalize, is_valid=is_valid)


def _iban() -> IdentifierFormat:
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    def is_valid(value: str) -> bool:
        try:
            IBAN(value)
        except SchwiftyException:
            return False
        return True

    return IdentifierFormat(normalize=lambda v: re.sub(r"\s+", "", v).upper(), is_valid=is_valid)


def _simple(
    normalize: Callable[[str], str | None], check: Callable[[str], bool]
) -> IdentifierFormat:
    return IdentifierFormat(normalize=normalize, is_valid=check)


FORMATS: dict[str, IdentifierFormat] = {
    "lt_personal_code": _stdnum(asmens),
    "lt_company_code": _simple(_digits_only, is_valid_lt_company_code),
    "lt_vat": _stdnum(pvm),
    "iso6346": _stdnum(iso6346),
    "vin": _simple(lambda v: re.sub(r"[\s\-]", "", v).upper() or None, is_valid_vin),
    "phone": _phone(),
    "iban_strict": _iban(),
    "plate": _plate_format(None),
    **{f"plate_{c.lower()}": _plate_format(c) for c in PLATE_PATTERNS},
}


def register_formats() -> None:
    """Register every customs format with the entity model (idempotent)."""
    for name, fmt in FORMATS.items():
        register_format(name, fmt)


def check_format(name: str, value: str) -> tuple[str | None, str | None]:
    """Normalise and check ``value`` against format ``name``: ``(normal, None)`` or a reason."""
    fmt = FORMATS.get(name) or identifier_format(name)  # ours, then rigour's (iban, bic, ...)
    if fmt is None:
        return None, f"unknown format {name!r}"
    normal = fmt.normalize(value)
    if normal is None or not fmt.is_valid(normal):
        return None, f"not a valid {name}"
    return normal, None


def format_names() -> list[str]:
    """Every format a mapping may name: ours and rigour's."""
    from rigour.ids import get_identifier_format_names

    return sorted({*FORMATS, *get_identifier_format_names()})
