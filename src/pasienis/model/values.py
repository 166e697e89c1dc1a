"""Cleaning and validating one property value by its FollowTheMoney type and format.

FtM's ``clean`` normalises but does not reject everything it should for a customs register
(numbers like "abc", IBANs with a wrong check digit): this adds those checks using FtM's own
number parser and rigour's identifier formats (``format: iban`` on a property), plus the
formats pasienis registers in :data:`EXTRA_FORMATS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from followthemoney.property import Property

_DECIMAL_COMMA = re.compile(r"^[+-]?\d[\d\s]*,\d+$")
#: Dates FtM reads in full: ISO-8601 (a prefix of it), with an optional time and offset.
_ISO_DATE = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?)?)?$"
)


@dataclass(frozen=True)
class IdentifierFormat:
    """A named identifier format: normalise, then validate the normalised form."""

    normalize: Callable[[str], str | None]
    is_valid: Callable[[str], bool]


#: Formats beyond rigour's, registered by :func:`pasienis.model.install_model`
#: (:mod:`pasienis.model.formats`).
EXTRA_FORMATS: dict[str, IdentifierFormat] = {}


def register_format(name: str, fmt: IdentifierFormat) -> None:
    """Make ``format: <name>`` usable on identifier properties in schema YAML."""
    EXTRA_FORMATS[name] = fmt


def identifier_format(name: str) -> IdentifierFormat | None:
    """A registered format, else rigour's of that name, else ``None``."""
    if name in EXTRA_FORMATS:
        return EXTRA_FORMATS[name]
    from rigour.ids import get_identifier_format

    try:
        rigour_format = get_identifier_format(name)
    except (KeyError, ValueError):
        return None
    if rigour_format is None:  # rigour answers None for a name it does not know
        return None
    return IdentifierFormat(normalize=rigour_format.normalize, is_valid=rigour_format.is_valid)


def clean_for(prop: Property, raw: str) -> tuple[str | None, str | None]:
    """Return ``(cleaned, None)`` or ``(None, reason)`` for a stripped, non-empty raw value."""
    type_name = prop.type.name
    if type_name == "number":
        return _clean_number(prop, raw)
    cleaned = prop.type.clean(raw)
    if cleaned is None:
        return None, f"not a valid {type_name}"
    if type_name == "date" and not _ISO_DATE.match(raw):
        # FtM keeps the part it can read ("2004.04.23" becomes the year 2004): never store
        # a truncated date as if it were the value.
        return None, (
            f"not an ISO-8601 date (FtM would keep only {cleaned!r}); "
            "add a date transform with the source's format, e.g. {date: '%Y.%m.%d'}"
        )
    fmt_name = getattr(prop, "format", None)
    if type_name == "identifier" and fmt_name:
        fmt = identifier_format(fmt_name)
        if fmt is not None:
            normal = fmt.normalize(cleaned)
            if normal is None or not fmt.is_valid(normal):
                return None, f"not a valid {fmt_name} identifier"
            cleaned = normal
    return cleaned, None


def _clean_number(prop: Property, raw: str) -> tuple[str | None, str | None]:
    text = raw.replace("\u00a0", " ")
    if _DECIMAL_COMMA.match(text):  # Lithuanian and Russian sources write 12,5
        text = text.replace(" ", "").replace(",", ".")
    cleaned = prop.type.clean(text)
    if cleaned is None or prop.type.to_number(cleaned) is None:  # type: ignore[attr-defined]
        return None, "not a number"
    return cleaned, None
