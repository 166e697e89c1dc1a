"""Schemata are data: administrators add them in YAML; broken YAML fails with file and line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pasienis.config import Settings
from pasienis.model import (
    InvalidValueError,
    Provenance,
    SchemaFileError,
    install_model,
    make_statement,
)
from pasienis.model.catalog import describe_schema, list_schemata
from pasienis.model.registry import installed_model_dir

PROV = Provenance("test", datetime(2026, 9, 1, tzinfo=UTC), locator="t.csv:2")

FUEL_TANK = """\
FuelTankInspection:
  label: Fuel tank inspection
  extends:
    - Interval
  properties:
    vehicle:
      label: Vehicle
      type: entity
      range: Vehicle
      reverse:
        name: fuelInspections
        label: Fuel inspections
    litres:
      label: Litres found
      type: number
"""


@pytest.fixture
def admin_dir(tmp_path: Path, base_settings: Settings) -> Iterator[Path]:
    """An administrator's schema folder; the standard model is re-installed afterwards."""
    folder = tmp_path / "schema"
    folder.mkdir()
    yield folder
    install_model(base_settings)


def admin_settings(base_settings: Settings, folder: Path) -> Settings:
    return base_settings.model_copy(update={"schema_dir": folder})


def test_customs_schemata_load_with_the_standard_ones() -> None:
    names = {s["name"] for s in list_schemata()}
    assert {"Person", "Company", "Vehicle", "Address", "Passport", "Ownership"} <= names
    assert {"BorderCheckpoint", "BorderCrossing", "PlateRead", "CustomsDeclaration"} <= names
    assert {"GoodsItem", "Seizure", "Directorship", "Family", "Associate", "Employment"} <= names
    person = {p["name"] for p in describe_schema("Person")["properties"]}
    assert "borderCrossings" in person, "reverse properties of customs schemata reach FtM ones"


def test_model_folder_was_assembled_and_installed(base_settings: Settings) -> None:
    from followthemoney.model import Model

    folder = install_model(base_settings)
    assert installed_model_dir() == folder
    assert Model.instance().path == str(folder), "FtM's singleton is the assembled model"
    assert any(p.name.endswith("PlateRead.yaml") for p in folder.iterdir())
    assert any(p.name.endswith("Person.yaml") for p in folder.iterdir())
    assert install_model(base_settings) == folder, "same content, same folder: idempotent"


def test_administrator_adds_a_schema_by_yaml(admin_dir: Path, base_settings: Settings) -> None:
    (admin_dir / "fuel.yaml").write_text(FUEL_TANK, encoding="utf-8")
    install_model(admin_settings(base_settings, admin_dir))
    row = make_statement("f1", "FuelTankInspection", "litres", "120.5", PROV)
    assert row[5] == "120.5"
    vehicle = {p["name"] for p in describe_schema("Vehicle")["properties"]}
    assert "fuelInspections" in vehicle


def test_administrator_adds_a_property_to_a_customs_schema(
    admin_dir: Path, base_settings: Settings
) -> None:
    extended = FUEL_TANK + "    sealNumber:\n      label: Seal number\n      type: identifier\n"
    (admin_dir / "fuel.yaml").write_text(extended, encoding="utf-8")
    install_model(admin_settings(base_settings, admin_dir))
    assert make_statement("f1", "FuelTankInspection", "sealNumber", "LT-99", PROV)[5] == "LT-99"


def test_a_file_changed_after_a_good_check_is_checked_again(
    admin_dir: Path, base_settings: Settings
) -> None:
    """The check is remembered per content (apps are created often), never past an edit."""
    path = admin_dir / "fuel.yaml"
    path.write_text(FUEL_TANK, encoding="utf-8")
    settings = admin_settings(base_settings, admin_dir)
    install_model(settings)
    install_model(settings)  # unchanged: the remembered check
    path.write_text(FUEL_TANK.replace("type: number", "type: volume"), encoding="utf-8")
    with pytest.raises(SchemaFileError, match=r"fuel\.yaml:15: .*unknown property type"):
        install_model(settings)
    path.unlink()
    (admin_dir / "other.yaml").write_text(FUEL_TANK.replace("FuelTankInspection:", "Vehicle:"))
    with pytest.raises(SchemaFileError, match="duplicate schema name"):
        install_model(settings)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (FUEL_TANK.replace("type: number", "type: volume"), 15, "unknown property type 'volume'"),
        (FUEL_TANK.replace("  label: Fuel tank inspection\n", ""), 1, "has no label"),
        (FUEL_TANK.replace("FuelTankInspection:", "Vehicle:"), 1, "duplicate schema name"),
        (FUEL_TANK.replace("range: Vehicle", "range: Truck"), 9, "unknown range 'Truck'"),
        (FUEL_TANK.replace("- Interval", "- Happening"), 3, "extends unknown schema"),
        (FUEL_TANK.replace("      label: Litres found\n", ""), 13, "has no label"),
        (FUEL_TANK + "  colour: red\n", 16, "unknown key 'colour'"),
        ("Broken: [unclosed\n", 2, "YAML syntax"),
    ],
)
def test_bad_schema_yaml_names_file_and_line(
    admin_dir: Path, base_settings: Settings, text: str, line: int, message: str
) -> None:
    path = admin_dir / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaFileError) as info:
        install_model(admin_settings(base_settings, admin_dir))
    problems = [p for p in info.value.problems if message in p.message]
    assert problems, info.value.message
    assert problems[0].path == path
    assert problems[0].line == line, str(problems[0])
    assert f"{path}:{line}:" in str(info.value)


def test_duplicate_across_admin_files(admin_dir: Path, base_settings: Settings) -> None:
    (admin_dir / "a.yaml").write_text(FUEL_TANK, encoding="utf-8")
    (admin_dir / "b.yaml").write_text(FUEL_TANK, encoding="utf-8")
    with pytest.raises(SchemaFileError, match=r"b\.yaml:1: duplicate schema name"):
        install_model(admin_settings(base_settings, admin_dir))


@pytest.mark.parametrize(
    ("schema", "prop", "value"),
    [
        ("Person", "birthDate", "1979-13-45"),
        ("Person", "nationality", "Atlantis"),
        ("Person", "email", "not-an-email"),
        ("BankAccount", "iban", "LT00 0000 0000 0000 0000"),
        ("Person", "name", "   "),
        ("GoodsItem", "netMass", "twelve kilos"),
        ("Person", "phone", "12"),
    ],
)
def test_invalid_values_are_rejected_not_stored(schema: str, prop: str, value: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        make_statement("e1", schema, prop, value, PROV)
    assert info.value.prop == prop
    assert "t.csv:2" in str(info.value)


def test_values_are_normalised_and_original_kept() -> None:
    row = make_statement("p1", "Person", "nationality", "Lithuania", PROV)
    assert (row[5], row[6]) == ("lt", "Lithuania")
    iban = make_statement("a1", "BankAccount", "iban", "LT12 1000 0111 0100 1000", PROV)
    assert iban[5] == "LT121000011101001000"
    assert make_statement("g1", "GoodsItem", "netMass", "12,5", PROV)[5] == "12.5"
    assert make_statement("p1", "Person", "phone", "+370 612 34567", PROV)[5] == "+37061234567"
