"""Identifier formats, the VIN check digit, plate normalisation, and cleaning that does not
depend on which package was imported first."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pasienis.model import check_format, clean_value, is_valid_vin, split_multi
from pasienis.model.formats import is_valid_lt_company_code
from pasienis.model.plates import latinise_plate, normalise_plate, plate_countries


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("т123вн77", "T123BH77"),  # lowercase Cyrillic look-alikes
        ("Т123ВН 77", "T123BH77"),
        ("abc 123", "ABC123"),
        ("АВС-123", "ABC123"),
        ("1234 ав-7", "1234AB7"),
        ("аі 1234 вх", "AI1234BX"),
    ],
)
def test_plates_normalise_to_one_latin_key(raw: str, key: str) -> None:
    assert normalise_plate(raw) == key
    assert normalise_plate(key) == key  # idempotent


def test_lowercase_cyrillic_plates_match_their_country() -> None:
    assert latinise_plate("т123вн77") == "T123BH77"
    assert plate_countries("т123вн77") == ["RU"]
    assert "LT" in plate_countries("abc 123")


@pytest.mark.parametrize(
    ("vin", "valid"),
    [
        ("1M8GDM9AXKP042788", True),  # the textbook check digit X
        ("11111111111111111", True),  # check digit 1
        ("1M8GDM9A1KP042788", False),  # a wrong check digit
        ("WVWZZZ1JZXW000001", True),  # European: position 9 not a digit, structure only
        ("1M8GDM9AXKP04278", False),  # 16 characters
        ("1M8GDM9AXKP04278O", False),  # O is not allowed
        ("IM8GDM9AXKP042788", False),  # nor I
    ],
)
def test_vin_check_digit(vin: str, valid: bool) -> None:
    assert is_valid_vin(vin) is valid


def test_customs_formats() -> None:
    assert is_valid_lt_company_code("302801462")
    assert not is_valid_lt_company_code("302801463")
    assert check_format("vin", "1m8gdm9axkp042788") == ("1M8GDM9AXKP042788", None)
    assert check_format("phone", "+370 600 12345") == ("+37060012345", None)
    assert check_format("lt_company_code", "302801463") == (None, "not a valid lt_company_code")
    assert check_format("plate_ru", "т123вн77")[0] == "T123BH77"
    assert check_format("iban", "LT12 1000 0111 0100 1000")[1] is None
    assert check_format("no_such", "x") == (None, "unknown format 'no_such'")


def test_multi_value_cells_split_for_phones_and_emails_only() -> None:
    assert split_multi("phone", "+37060012345; +37060012346,+37060012347") == [
        "+37060012345", "+37060012346", "+37060012347",
    ]  # fmt: skip
    assert split_multi("email", "a@x.lt, b@x.lt") == ["a@x.lt", "b@x.lt"]
    assert split_multi("name", "Jonaitis, Jonas") == ["Jonaitis, Jonas"]


def test_truncating_dates_are_refused() -> None:
    assert clean_value("Person", "birthDate", "2004-04-23") == "2004-04-23"
    assert clean_value("Person", "birthDate", "2004") == "2004"
    with pytest.raises(Exception, match="not an ISO-8601 date"):
        clean_value("Person", "birthDate", "2004.04.23")


def test_clean_value_does_not_depend_on_importing_ingest() -> None:
    """A fresh interpreter that installs the model but never imports ``pasienis.ingest``
    validates customs formats exactly as an import does."""
    code = (
        "import sys, tempfile\n"
        "from pathlib import Path\n"
        "from pasienis.config import Settings\n"
        "from pasienis.model import install_model, check_format\n"
        "install_model(Settings(data_dir=Path(tempfile.mkdtemp())))\n"
        "from pasienis.model.values import EXTRA_FORMATS\n"
        "assert 'pasienis.ingest' not in sys.modules, 'ingest imported'\n"
        "assert 'vin' in EXTRA_FORMATS\n"
        "print(check_format('lt_company_code', '302801463'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "not a valid lt_company_code" in done.stdout
