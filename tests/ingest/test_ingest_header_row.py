"""A CSV with a title block above its header (as Excel and registry exports write them):
``source.header_row`` names the header's line, the check points at it, the draft proposes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pasienis.ingest import (
    MappingError,
    SourceError,
    check_mapping,
    draft_mapping,
    parse_mapping,
    preview_mapping,
    run_import,
)
from pasienis.ingest.readers.delimited import DelimitedReader
from pasienis.model import load_entity, make_id
from pasienis.store import Store

# An export as the customs registry writes it: Windows-1257, ";", a title, a date line and a
# blank line above the header, decimal commas, a title cell that spills into one column.
EXPORT = (
    "Muitinės departamentas prie LR finansų ministerijos;;;\n"
    "Ataskaita: pažeidėjai, 2026-11-30 (išrašas);;;\n"
    "\n"
    "Asmens kodas;Vardas ir pavardė;Gimimo data;Bauda, EUR\n"
    "38001010009;Jonas Jonaitis;1980.01.01;12,5\n"
    "48502020004;Ona Onaitė;1985.02.02;1 234,75\n"
    "39003030002;Žilvinas Šimkus;1990.03.03;0,99\n"
)
MAPPING = """
dataset: offenders
source: {format: csv, encoding: cp1257, header_row: 4}
entities:
  person:
    schema: Person
    key: [Asmens kodas]
    properties:
      name: Vardas ir pavardė
      idNumber: {column: Asmens kodas, format: lt_personal_code}
      birthDate: {column: Gimimo data, transforms: [{date: "%Y.%m.%d"}]}
"""


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "pazeidejai.csv"
    path.write_bytes(EXPORT.encode("cp1257"))
    return path


def test_header_row_reads_below_the_title_block(export: Path, sqlite_store: Store) -> None:
    loaded = parse_mapping(MAPPING, name="offenders.yml")
    report = check_mapping(loaded, export)
    assert report["ok"], report
    reader = DelimitedReader(export, encoding="cp1257", header_row=4)
    assert reader.delimiter == ";"  # sniffed from the table, not from the title lines
    assert reader.header() == ["Asmens kodas", "Vardas ir pavardė", "Gimimo data", "Bauda, EUR"]
    locators = [r.locator for r in reader.records()]
    assert locators == ["pazeidejai.csv:5", "pazeidejai.csv:6", "pazeidejai.csv:7"]
    shown = preview_mapping(loaded, export)["records"]
    assert [r["entities"][0]["properties"]["name"] for r in shown] == [
        ["Jonas Jonaitis"], ["Ona Onaitė"], ["Žilvinas Šimkus"]
    ]  # fmt: skip
    result = run_import(sqlite_store, source=export, mapping=loaded)
    assert (result.status, result.run["records"], result.run["quarantined"]) == ("completed", 3, 0)
    with sqlite_store.read() as conn:
        found = load_entity(conn, make_id("offenders.person", "48502020004"))
    assert found.get("birthDate") == ["1985-02-02"]
    assert found.get("name") == ["Ona Onaitė"]


def test_without_header_row_the_check_names_the_line(export: Path) -> None:
    text = MAPPING.replace(", header_row: 4", "")
    report = check_mapping(parse_mapping(text, name="offenders.yml"), export)
    assert not report["ok"]
    assert any(
        "line 4 of pazeidejai.csv names the mapped columns" in p and "header_row: 4" in p
        for p in report["problems"]
    ), report["problems"]


def test_draft_proposes_the_header_row(export: Path) -> None:
    draft = draft_mapping(export)
    assert draft.source["header_row"] == 4
    assert draft.source["delimiter"] == ";"
    assert [c.name for c in draft.columns][:2] == ["Asmens kodas", "Vardas ir pavardė"]
    assert "header_row: 4" in draft.yaml
    assert check_mapping(parse_mapping(draft.yaml, name="draft.yml"), export)["ok"]


@pytest.mark.parametrize(
    ("row", "message"),
    [(3, "line 3 of pazeidejai.csv (source.header_row) is blank"),
     (40, "pazeidejai.csv has no line 40 (source.header_row)")],
)  # fmt: skip
def test_a_wrong_header_row_is_an_error(export: Path, row: int, message: str) -> None:
    text = MAPPING.replace("header_row: 4", f"header_row: {row}")
    report = check_mapping(parse_mapping(text, name="offenders.yml"), export)
    assert not report["ok"]
    assert any(message in p for p in report["problems"]), report["problems"]
    with pytest.raises(SourceError, match=message.split(" (")[0]):
        DelimitedReader(export, encoding="cp1257", header_row=row).header()


def test_header_row_is_refused_where_it_means_nothing(tmp_path: Path, sqlite_store: Store) -> None:
    path = tmp_path / "people.json"
    path.write_text('[{"id": "1", "name": "Jonas"}]', encoding="utf-8")
    text = """
dataset: people
source: {format: json, header_row: 2}
entities:
  person: {schema: Person, key: [id], properties: {name: name}}
"""
    loaded = parse_mapping(text, name="people.yml")
    report = check_mapping(loaded, path)
    assert not report["ok"]
    assert (
        "people.yml:3: header_row applies to csv, tsv and excel files, not json"
        in (report["problems"][0])
    )
    with pytest.raises(MappingError, match="header_row applies to csv"):
        run_import(sqlite_store, source=path, mapping=loaded)


@pytest.mark.parametrize(
    ("row", "message"),
    [(2, "row 2 of sheet 'Įmonės' of imones.xlsx is blank"),
     (9, "sheet 'Įmonės' of imones.xlsx has no row 9 (source.header_row)")],
)  # fmt: skip
def test_a_wrong_excel_header_row_is_named(tmp_path: Path, row: int, message: str) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Įmonės"
    for line in (
        ["Juridinių asmenų registras"],
        [],
        ["Kodas", "Pavadinimas"],
        ["302801462", "UAB A"],
    ):
        sheet.append(line)
    path = tmp_path / "imones.xlsx"
    book.save(path)
    text = f"""
dataset: companies
source: {{format: excel, header_row: {row}}}
entities:
  company: {{schema: Company, key: [Kodas], properties: {{name: Pavadinimas}}}}
"""
    report = check_mapping(parse_mapping(text, name="c.yml"), path)
    assert not report["ok"]
    assert any(message in p for p in report["problems"]), report["problems"]
