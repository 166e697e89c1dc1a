"""Administration tools: draft, check and preview on files in real-world shapes (generated
here: Windows-1257 with ``;`` and decimal commas, an Excel title block, namespaced XML,
nested paginated JSON), retraction of runs, quarantine ids and totals, isolated imports."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from pasienis.ingest import (
    MappingError,
    check_mapping,
    count_entries,
    draft_mapping,
    get_entry,
    get_run,
    list_entries,
    load_mapping,
    parse_mapping,
    preview_mapping,
    restore_run,
    retract_dataset,
    retract_run,
    run_import,
    run_import_isolated,
)
from pasienis.ingest.errors import ImportRunNotFoundError
from pasienis.ingest.mappings.scenario import FOLDER, SCENARIO_FILES
from pasienis.ingest.quarantine import locator_key
from pasienis.model import live, load_entity
from pasienis.model.events import border_crossings
from pasienis.model.models import statements
from pasienis.security.models import audit_log
from pasienis.store import Store

BALTIC = (
    "Asmens kodas;Vardas;Pavardė;Gimimo data;Suma;Telefonas\n"
    "38001010009;Jonas;Jonaitis;1980.01.01;12,5;+37060012345\n"
    "48502020004;Ona;Onaitė;1985.02.02;1 234,75;+37060012346\n"
    "39003030002;Žilvinas;Šimkus;1990.03.03;0,99;+37060012347\n"
)
BALTIC_MAPPING = """
dataset: baltic
source: {format: csv, encoding: cp1257, delimiter: ";"}
entities:
  person:
    schema: Person
    key: [Asmens kodas]
    properties:
      name: {columns: [Vardas, Pavardė]}
      birthDate: {column: Gimimo data, transforms: [{date: "%Y.%m.%d"}]}
      phone: Telefonas
"""


@pytest.fixture
def baltic(tmp_path: Path) -> Path:
    path = tmp_path / "asmenys.csv"
    path.write_bytes(BALTIC.encode("cp1257"))
    return path


def _column(draft, name):  # type: ignore[no-untyped-def]
    return next(c for c in draft.columns if c.name == name)


def test_draft_of_a_windows_1257_file_with_decimal_commas(baltic: Path) -> None:
    draft = draft_mapping(baltic)
    assert draft.source == {"format": "csv", "encoding": "cp1257", "delimiter": ";"}
    assert [c.name for c in draft.columns][2] == "Pavardė"
    assert (_column(draft, "Gimimo data").type, _column(draft, "Gimimo data").format) == (
        "date", "%Y.%m.%d",
    )  # fmt: skip
    assert (_column(draft, "Suma").type, _column(draft, "Suma").format) == (
        "number", "decimal comma",
    )  # fmt: skip
    assert (_column(draft, "Telefonas").format, _column(draft, "Telefonas").property) == (
        "phone", "phone",
    )  # fmt: skip
    assert _column(draft, "Asmens kodas").format == "lt_personal_code"
    mapping = parse_mapping(draft.yaml, name="draft.yml")  # the draft is a valid mapping
    assert mapping.mapping.source.encoding == "cp1257"


def test_check_and_preview_of_a_windows_1257_file(baltic: Path) -> None:
    loaded = parse_mapping(BALTIC_MAPPING, name="baltic.yml")
    assert check_mapping(loaded, baltic)["ok"]
    shown = preview_mapping(loaded, baltic, rows=2)
    assert len(shown["records"]) == 2
    [person] = shown["records"][0]["entities"]
    assert person["properties"]["name"] == ["Jonas Jonaitis"]
    assert person["properties"]["birthDate"] == ["1980-01-01"]
    wrong = parse_mapping(BALTIC_MAPPING.replace("Pavardė]", "Pavarde]"), name="baltic.yml")
    report = check_mapping(wrong, baltic)
    assert not report["ok"]
    assert "did you mean 'Pavardė'" in report["problems"][0]


def test_excel_with_a_title_block_above_the_header(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Įmonės"
    sheet.append(["Juridinių asmenų registras"])
    sheet.append(["Išrašas 2026-11-30"])
    sheet.append([])
    sheet.append(["Kodas", "Pavadinimas", "Įregistruota"])
    sheet.append(["302801462", "UAB Pavyzdys", "2015-03-01"])
    sheet.append(["110053842", "AB Kitas", "1991-12-20"])
    path = tmp_path / "imones.xlsx"
    book.save(path)
    draft = draft_mapping(path)
    assert draft.source == {"format": "excel", "sheet": "Įmonės", "header_row": 4}
    assert [c.name for c in draft.columns] == ["Kodas", "Pavadinimas", "Įregistruota"]
    assert _column(draft, "Įregistruota").type == "date"
    text = """
dataset: companies
source: {format: excel, header_row: 4}
entities:
  company:
    schema: Company
    key: [Kodas]
    properties: {name: Pavadinimas, incorporationDate: Įregistruota}
"""
    loaded = parse_mapping(text, name="c.yml")
    assert check_mapping(loaded, path)["ok"]
    names = [
        r["entities"][0]["properties"]["name"] for r in preview_mapping(loaded, path)["records"]
    ]
    assert names == [["UAB Pavyzdys"], ["AB Kitas"]]
    wrong = check_mapping(parse_mapping(text.replace("header_row: 4", "header_row: 1"),
                                        name="c.yml"), path)  # fmt: skip
    assert not wrong["ok"]  # the title is not the header: every column is missing


NAMESPACED = """<?xml version="1.0"?>
<d:Declarations xmlns:d="urn:lt:customs:decl:2">
  <d:Declaration number="D1"><d:Declarant><d:Name>UAB A</d:Name></d:Declarant></d:Declaration>
  <d:Declaration number="D2"><d:Declarant><d:Name>UAB B</d:Name></d:Declarant></d:Declaration>
</d:Declarations>
"""


def test_namespaced_xml(tmp_path: Path) -> None:
    path = tmp_path / "decl.xml"
    path.write_text(NAMESPACED, encoding="utf-8")
    draft = draft_mapping(path)
    assert draft.source["records"] == "//d:Declaration"
    assert draft.source["namespaces"] == {"d": "urn:lt:customs:decl:2"}
    assert {"@number", "d:Declarant/d:Name"} <= {c.name for c in draft.columns}
    text = """
dataset: decl
source: {format: xml, records: //d:Declaration, namespaces: {d: "urn:lt:customs:decl:2"}}
entities:
  declarant: {schema: Company, key: [d:Declarant/d:Name], properties: {name: d:Declarant/d:Name}}
"""
    loaded = parse_mapping(text, name="decl.yml")
    report = check_mapping(loaded, path)
    assert report["ok"]
    assert report["warnings"] == []
    typo = check_mapping(parse_mapping(text.replace("properties: {name: d:Declarant/d:Name}",
                                                    "properties: {name: d:Declarant/d:Nam}"),
                                       name="decl.yml"), path)  # fmt: skip
    assert "did you mean 'd:Declarant/d:Name'" in typo["warnings"][0]
    shown = preview_mapping(loaded, path)["records"]
    assert [r["entities"][0]["properties"]["name"] for r in shown] == [["UAB A"], ["UAB B"]]


def test_nested_paginated_json(tmp_path: Path) -> None:
    page = {
        "meta": {"page": 1, "pages": 3, "next": "/api?page=2"},
        "data": {"results": [
            {"id": "c1", "company": {"name": "UAB A", "address": {"city": "Vilnius"}}},
            {"id": "c2", "company": {"name": "UAB B", "address": {"city": "Kaunas"}}},
        ]},
    }  # fmt: skip
    path = tmp_path / "page1.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    draft = draft_mapping(path)
    assert draft.source["records"] == "data.results"
    assert {"id", "company.name", "company.address.city"} <= {c.name for c in draft.columns}
    text = """
dataset: pages
source: {format: json, records: data.results}
entities:
  company: {schema: Company, key: [id], properties: {name: company.name}}
"""
    loaded = parse_mapping(text, name="p.yml")
    assert check_mapping(loaded, path)["ok"]
    bad = check_mapping(parse_mapping(text.replace("data.results", "results"), name="p.yml"), path)
    assert "did you mean 'data.results'" in bad["problems"][0]


@pytest.mark.parametrize(("file_name", "mapping_name"), SCENARIO_FILES)
def test_every_scenario_mapping_checks_clean(
    scenario_dir: Path, file_name: str, mapping_name: str
) -> None:
    report = check_mapping(load_mapping(FOLDER / mapping_name), scenario_dir / file_name)
    assert report["ok"], report["problems"]
    assert preview_mapping(load_mapping(FOLDER / mapping_name), scenario_dir / file_name,
                           rows=3)["records"]  # fmt: skip
    assert draft_mapping(scenario_dir / file_name).columns


def _people(store: Store, path: Path, text: str) -> dict:  # type: ignore[type-arg]
    return run_import(store, source=path, mapping=parse_mapping(text, name="m.yml")).run


def test_a_retracted_run_leaves_the_live_view_and_comes_back(
    sqlite_store: Store, baltic: Path
) -> None:
    run = _people(sqlite_store, baltic, BALTIC_MAPPING)
    with sqlite_store.read() as conn:
        person = conn.execute(select(statements.c.entity_id).limit(1)).scalar()
    assert person is not None
    retract_run(sqlite_store, run_id=run["id"], by="admin", reason="test import")
    with sqlite_store.read() as conn:
        assert get_run(conn, run_id=run["id"][:8])["retracted"] is True  # a short id works
        with pytest.raises(Exception, match="no entity"):
            load_entity(conn, person)
        actions = set(conn.execute(select(audit_log.c.action)).scalars())
        stored = conn.execute(select(func.count()).select_from(statements)).scalar()
    assert "import.retracted" in actions
    assert (stored or 0) > 0  # nothing deleted
    restore_run(sqlite_store, run_id=run["id"], by="admin")
    with sqlite_store.read() as conn:
        assert load_entity(conn, person).id == person
    assert retract_dataset(sqlite_store, dataset="baltic") == [run["id"]]


PEOPLE = """
dataset: people
entities:
  person: {schema: Person, key: [id], properties: {name: name, nationality: country}}
events:
  crossing:
    table: border_crossings
    key: [id]
    columns: {occurred_at: {constant: "2026-09-01T08:00:00+00:00"}, person_id: {entity: person}}
"""


def _names(store: Store) -> set[str]:
    with store.read() as conn:
        query = select(statements.c.value).where(statements.c.prop == "name", live(statements))
        return set(conn.execute(query).scalars())


def _live_crossings(store: Store) -> int:
    with store.read() as conn:
        query = select(func.count()).select_from(border_crossings).where(live(border_crossings))
        return int(conn.execute(query).scalar() or 0)


def test_retracting_a_test_import_keeps_what_a_later_import_stated_again(
    store: Store, tmp_path: Path
) -> None:
    """A test import first, the real one after (most rows the same): retracting the test
    import takes out only what the real one did not say; retracting both takes out all."""
    test_file, real_file = tmp_path / "test.csv", tmp_path / "real.csv"
    test_file.write_text("id,name,country\n1,Jonas,LT\n2,Tomas,LV\n3,Wrong,XX\n", "utf-8")
    real_file.write_text("id,name,country\n1,Jonas,LT\n2,Tomas,LV\n4,Asta,LT\n", "utf-8")
    test_run = _people(store, test_file, PEOPLE)
    real_run = _people(store, real_file, PEOPLE)
    assert _names(store) == {"Jonas", "Tomas", "Wrong", "Asta"}
    retract_run(store, run_id=test_run["id"], by="admin", reason="test import")
    assert _names(store) == {"Jonas", "Tomas", "Asta"}
    with store.read() as conn:
        assert load_entity(conn, real_run_person(conn, "Jonas")).get("nationality") == ["lt"]
    # Events too: the crossings of ids 1 and 2, which the real import stated again, and 4.
    assert _live_crossings(store) == 3
    retract_run(store, run_id=real_run["id"], by="admin", reason="wrong file")
    assert _names(store) == set()
    assert _live_crossings(store) == 0
    restore_run(store, run_id=test_run["id"], by="admin")
    assert _names(store) == {"Jonas", "Tomas", "Wrong"}  # what the test run said
    assert _live_crossings(store) == 3  # ids 1, 2 and 3
    restore_run(store, run_id=real_run["id"], by="admin")
    assert _live_crossings(store) == 4
    retract_run(store, run_id=real_run["id"], by="admin", reason="later run only")
    assert _names(store) == {"Jonas", "Tomas", "Wrong"}  # the first run still says them
    assert _live_crossings(store) == 3


def real_run_person(conn: object, name: str) -> str:
    query = select(statements.c.entity_id).where(statements.c.value == name)
    return str(conn.execute(query).scalar())  # type: ignore[attr-defined]


def test_quarantine_total_short_ids_and_numeric_locators(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "p.csv"
    rows = "".join(f"{i},P{i},{'bad' if i % 2 else '2000-01-01'}\n" for i in range(1, 25))
    path.write_text("id,name,born\n" + rows, encoding="utf-8")
    text = """
dataset: people
entities:
  person: {schema: Person, key: [id], properties: {name: name, birthDate: born}}
"""
    _people(sqlite_store, path, text)
    with sqlite_store.read() as conn:
        shown = list_entries(conn, limit=5)
        assert count_entries(conn) == 12
        everything = list_entries(conn, limit=100)
        pages = [list_entries(conn, limit=5, offset=start) for start in range(0, 15, 5)]
        entry = everything[0]
        assert get_entry(conn, entry_id=entry["short_id"][:6])["id"] == entry["id"]
        with pytest.raises(ImportRunNotFoundError):
            get_entry(conn, entry_id="")
    assert len(shown) == 5
    assert [len(p) for p in pages] == [5, 5, 2]  # pages follow each other, in file order
    assert [e["id"] for p in pages for e in p] == [e["id"] for e in everything]
    assert [e["locator"] for e in everything] == sorted(
        (e["locator"] for e in everything), key=locator_key
    )
    assert [e["locator"] for e in everything][:3] == ["p.csv:2", "p.csv:4", "p.csv:6"]
    assert locator_key("p.csv:10") > locator_key("p.csv:9")


def test_an_isolated_import_runs_outside_this_process(sqlite_store: Store, baltic: Path) -> None:
    """The API's import jobs: the GC pause and the import's load stay in the child."""
    seen: list[bool] = []

    def progress(done: int, total: int | None, message: str) -> None:
        seen.append(gc.isenabled())  # an in-process import pauses it here

    params = {"source": str(baltic), "mapping_text": BALTIC_MAPPING, "mapping_name": "b.yml"}
    result = run_import_isolated(sqlite_store.settings, params, progress)
    assert (result.status, result.run["records"], result.run["entities"]) == ("completed", 3, 3)
    assert seen
    assert all(seen)
    with sqlite_store.read() as conn:
        assert get_run(conn, run_id=result.run["id"])["status"] == "completed"
    params["mapping_text"] = BALTIC_MAPPING.replace("Pavardė]", "Pavarde]")
    with pytest.raises(MappingError, match="is not in the source"):
        run_import_isolated(sqlite_store.settings, params)
