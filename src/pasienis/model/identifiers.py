"""Check digits of identifiers python-stdnum lacks: one definition for every capability.

Ingest validates mapped columns with them and documents validates identifiers found in free
text, so both must agree on what a valid VIN or Lithuanian company code is.
"""

from __future__ import annotations

import re

from stdnum.lt import pvm

__all__ = ["is_valid_lt_company_code", "is_valid_vin"]


def is_valid_lt_company_code(value: str) -> bool:
    """Lithuanian legal-entity code (juridinio asmens kodas): 9 digits, mod-11 check digit.

    python-stdnum has no module for it. The Register of Legal Entities (Registrų centras)
    assigns 9-digit codes whose last digit is the same two-pass weighted mod-11 check
    as the Lithuanian VAT number uses (weights 1..9 then 3..11; a remainder of 10 in the second
    pass gives 0), so ``stdnum.lt.pvm.calc_check_digit`` computes it. Reference:
    python-stdnum ``stdnum/lt/pvm.py`` (the same algorithm for legal persons' VAT codes).
    """
    return bool(re.fullmatch(r"\d{9}", value)) and pvm.calc_check_digit(value[:8]) == value[8]


_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def is_valid_vin(value: str) -> bool:
    """ISO 3779 VIN: 17 characters without I, O, Q; position 9 is the check digit.

    Why implemented here: python-stdnum has no VIN module. The check digit (North American
    49 CFR 565, used by most makers worldwide) is the weighted sum of transliterated
    characters mod 11, ``X`` for 10. European makers need not fill it, so a VIN whose 9th
    character is neither a digit nor ``X`` is accepted on its structure alone.
    """
    if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", value):
        return False
    check = value[8]
    if not (check.isdigit() or check == "X"):
        return True
    total = sum(_VIN_VALUES[c] * w for c, w in zip(value, _VIN_WEIGHTS, strict=True))
    expected = total % 11
    return check == ("X" if expected == 10 else str(expected))
