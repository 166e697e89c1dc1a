"""Bad input: each case gives a clear error or a quarantine entry and loses no good row."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from tests.ingest.conftest import count

from pasienis.ingest import MappingError, SourceError, list_entries, parse_mapping, run_import
from pasienis.ingest.models import quarantine
from pasienis.model.models import statements
from pasienis.store import Store

PEOPLE = """
dataset: people
source: {format: csv}
entities:
  person:
    schema: Person
    key: [id]
    properties:
      name: name
      birthDate: {column: born, transforms: [{date: ["%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y"]}]}
"""


def _names(store: Store) -> set[str]:
    with store.read() as conn:
        rows = conn.execute(statements.select().where(statements.c.prop == "name")).all()
    return {r.value for r in rows}


def _import(store: Store, path: Path, text: str = PEOPLE, **kw: object):  # type: ignore[no-untyped-def]
    return run_import(store, source=path, mapping=parse_mapping(text, name="people.yml"), **kw)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1257", "cp1251"])
def test_encodings_are_detected(sqlite_store: Store, tmp_path: Path, encoding: str) -> None:
    name = "Žukauskas Šarūnas" if encoding != "cp1251" else "Дмитрий Новик"
    rows = "".join(f"{i};{name} {i};1980-01-0{i}\n" for i in range(1, 8))
    path = tmp_path / "p.csv"
    path.write_bytes(f"id;name;born\n{rows}".encode(encoding))
    result = _import(sqlite_store, path)
    assert result.run["records"] == 7
    assert f"{name} 3" in _names(sqlite_store)


def test_undecodable_line_is_quarantined(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(
        b"id,name,born\n1,Jonas,1980-01-01\n"
        + b"2,Petras \xff\xfe,1980-01-02\n"
        + b"3,Ona,1980-01-03\n" * 1
    )
    text = PEOPLE.replace("{format: csv}", "{format: csv, encoding: utf-8}")
    result = _import(sqlite_store, path, text)
    assert _names(sqlite_store) == {"Jonas", "Ona"}
    assert result.run["quarantined"] == 1
    with sqlite_store.read() as conn:
        [entry] = list_entries(conn)
    assert entry["locator"] == "p.csv:3"
    assert "cannot be decoded" in entry["reason"]


def test_broken_quote_loses_no_good_row(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    good = "".join(f"{i},Name {i},1980-01-01\n" for i in range(3, 50))
    path.write_text(
        f'id,name,born\n1,Jonas,1980-01-01\n2,"Petras,1980-01-02\n{good}', encoding="utf-8"
    )
    result = _import(sqlite_store, path)
    names = _names(sqlite_store)
    assert {"Jonas", "Name 3", "Name 49"} <= names
    assert len(names) == 48
    assert result.run["quarantined"] == 1
    with sqlite_store.read() as conn:
        [entry] = list_entries(conn)
    assert entry["locator"] == "p.csv:3"
    assert "broken quote" in entry["reason"]


def test_dates_in_three_formats_and_a_bad_one(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "id,name,born\n1,A,1980-02-01\n2,B,01.02.1980\n3,C,02/01/1980\n4,D,1980 Feb 1\n",
        encoding="utf-8",
    )
    _import(sqlite_store, path)
    with sqlite_store.read() as conn:
        born = {
            r.value
            for r in conn.execute(statements.select().where(statements.c.prop == "birthDate"))
        }
        [entry] = list_entries(conn)
    assert born == {"1980-02-01"}
    # The bad date is quarantined as a value: D goes in without a birth date.
    assert _names(sqlite_store) == {"A", "B", "C", "D"}
    assert (entry["value"], entry["locator"]) == ("1980 Feb 1", "p.csv:5")
    assert (entry["kind"], entry["prop"]) == ("value", "birthDate")
    assert entry["entity_id"]
    assert "matches none of the formats" in entry["reason"]


def test_zero_byte_file(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"")
    with pytest.raises(SourceError, match="empty \\(0 bytes\\)"):
        _import(sqlite_store, path)


def test_header_only_file_is_an_error(sqlite_store: Store, tmp_path: Path) -> None:
    """Zero records is never "completed — 0 records"; the failed run is recorded."""
    path = tmp_path / "p.csv"
    path.write_text("id,name,born\n", encoding="utf-8")
    with pytest.raises(MappingError, match="holds no records") as info:
        _import(sqlite_store, path)
    assert info.value.run["status"] == "failed"  # type: ignore[attr-defined]


def test_binary_file_given_as_csv(sqlite_store: Store, tmp_path: Path, scenario_dir: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes((scenario_dir / "companies.xlsx").read_bytes())
    with pytest.raises(SourceError, match="binary file, not CSV") as info:
        _import(sqlite_store, path)
    assert info.value.run["status"] == "failed"  # type: ignore[attr-defined]
    assert count(sqlite_store, statements) == 0


def test_wrong_sheet_names_the_sheets(sqlite_store: Store, tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "Companies"
    book.active.append(["id", "name", "born"])
    path = tmp_path / "p.xlsx"
    book.save(path)
    text = PEOPLE.replace("{format: csv}", "{format: excel, sheet: Officers}")
    with pytest.raises(SourceError, match="no sheet 'Officers'") as info:
        _import(sqlite_store, path, text)
    assert "Companies" in (info.value.hint or "")


def test_truncated_xml_keeps_records_before_the_break(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.xml"
    body = "".join(f"<p id='{i}'><name>N{i}</name></p>" for i in range(5))
    path.write_text(f"<people>{body}<p id='9'><na", encoding="utf-8")
    text = """
dataset: people
source: {format: xml, records: /people/p}
entities:
  person: {schema: Person, key: ["@id"], properties: {name: name}}
"""
    result = _import(sqlite_store, path, text)
    assert _names(sqlite_store) == {f"N{i}" for i in range(5)}
    assert result.run["quarantined"] == 1
    assert count(sqlite_store, quarantine) == 1


def test_invalid_identifier_is_quarantined(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("code,name\n135976467,UAB A\n135976468,UAB B\n", encoding="utf-8")
    text = """
dataset: firms
entities:
  company:
    schema: Company
    key: [code]
    properties: {name: name, registrationNumber: {column: code, format: lt_company_code}}
"""
    _import(sqlite_store, path, text)
    assert _names(sqlite_store) == {"UAB A", "UAB B"}  # B without its invalid code
    with sqlite_store.read() as conn:
        [entry] = list_entries(conn)
    assert (entry["value"], entry["reason"]) == ("135976468", "not a valid lt_company_code")
    assert (entry["kind"], entry["prop"]) == ("value", "registrationNumber")
