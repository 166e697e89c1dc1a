"""Each silent failure an administrator met (issue 12) is now an error or a warning.

Every test here failed on the code before: the import said "completed" with exit code 0
while values were missing, truncated, or whole entities dropped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pasienis.ingest import MappingError, list_entries, parse_mapping, run_import
from pasienis.model.models import statements
from pasienis.store import Store


def _import(store: Store, path: Path, text: str, **kw: Any):  # type: ignore[no-untyped-def]
    return run_import(store, source=path, mapping=parse_mapping(text, name="m.yml"), **kw)


def _values(store: Store, prop: str) -> set[str]:
    with store.read() as conn:
        rows = conn.execute(select(statements.c.value).where(statements.c.prop == prop)).all()
    return {r[0] for r in rows}


PEOPLE_LT = """
dataset: people
source: {format: csv}
entities:
  person:
    schema: Person
    key: [Asmens kodas]
    properties:
      name: Vardas
      firstName: Vardas
      lastName: Pavarde
"""


def test_a_column_not_in_the_header_fails_with_line_and_suggestion(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "p.csv"
    path.write_text("Asmens kodas,Vardas,Pavardė\n1,Jonas,Jonaitis\n", encoding="utf-8")
    with pytest.raises(MappingError) as info:
        _import(sqlite_store, path, PEOPLE_LT)
    assert "m.yml:11: column 'Pavarde' is not in the source (did you mean 'Pavardė'?)" in str(
        info.value.message
    )
    assert info.value.run["status"] == "failed"  # type: ignore[attr-defined]
    assert _values(sqlite_store, "firstName") == set()  # nothing half-imported


def test_xml_records_in_another_namespace_is_an_error(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "d.xml"
    path.write_text(
        '<Root xmlns="urn:customs:decl"><Decl id="1"><Name>A</Name></Decl></Root>',
        encoding="utf-8",
    )
    text = """
dataset: decl
source: {format: xml, records: /Root/Decl}
entities:
  company: {schema: Company, key: ["@id"], properties: {name: Name}}
"""
    with pytest.raises(MappingError, match="namespace 'urn:customs:decl'; declare it"):
        _import(sqlite_store, path, text)


def test_a_json_records_path_that_matches_nothing_is_an_error(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"data": {"items": [{"id": 1, "name": "A"}]}}), encoding="utf-8")
    text = """
dataset: things
source: {format: json, records: data.item}
entities:
  company: {schema: Company, key: [id], properties: {name: name}}
"""
    with pytest.raises(MappingError, match=r"m.yml:3: records path 'data.item' matches no records "
                       r"\(did you mean 'data.items'\?\)"):  # fmt: skip
        _import(sqlite_store, path, text)


def test_a_date_without_a_transform_is_never_truncated(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,name,born\n1,Jonas,2004.04.23\n2,Ona,2004-04-23\n", encoding="utf-8")
    text = """
dataset: people
entities:
  person: {schema: Person, key: [id], properties: {name: name, birthDate: born}}
"""
    result = _import(sqlite_store, path, text)
    assert _values(sqlite_store, "birthDate") == {"2004-04-23"}  # not "2004"
    assert _values(sqlite_store, "name") == {"Jonas", "Ona"}  # Jonas goes in without it
    assert result.status == "completed_with_quarantine"
    with sqlite_store.read() as conn:
        [entry] = list_entries(conn)
    assert (entry["kind"], entry["prop"], entry["value"]) == ("value", "birthDate", "2004.04.23")
    assert "not an ISO-8601 date" in entry["reason"]
    assert "{date: '%Y.%m.%d'}" in entry["reason"]


def test_a_wrong_date_format_is_not_a_success(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    rows = "".join(f"{i},Person {i},2004.04.{i + 10}\n" for i in range(10))
    path.write_text("id,name,born\n" + rows, encoding="utf-8")
    text = """
dataset: people
entities:
  person:
    schema: Person
    key: [id]
    properties: {name: name, birthDate: {column: born, transforms: [{date: "%d.%m.%Y"}]}}
"""
    result = _import(sqlite_store, path, text)
    assert result.status == "completed_with_quarantine"
    assert not result.ok
    assert "10 quarantine entries for 10 records" in (result.problem or "")
    assert result.run["quarantined_values"] == 10


def test_the_allowed_share_is_a_setting() -> None:
    from pasienis.config import Settings
    from pasienis.ingest.options import ImportOptions
    from pasienis.ingest.service import quarantine_problem

    run = {"records": 10, "quarantined": 1, "quarantined_values": 0, "dataset": "d"}
    assert quarantine_problem(run, ImportOptions().max_quarantine_share) is None
    strict = ImportOptions.from_settings(Settings(ingest_max_quarantine_share=0.05))
    assert quarantine_problem(run, strict.max_quarantine_share) is not None


def test_a_mistyped_time_zone_names_file_line_and_the_zone(tmp_path: Path) -> None:
    text = """dataset: crossings
events:
  crossing:
    table: border_crossings
    key: [id]
    columns:
      occurred_at: {column: time, timezone: Europe/Vilna}
"""
    with pytest.raises(MappingError) as info:
        parse_mapping(text, name="crossings.yml")
    assert "crossings.yml:7:" in info.value.message
    assert "unknown time zone 'Europe/Vilna'" in info.value.message
    assert "'Europe/Vilnius'" in info.value.message


def test_a_property_typo_names_the_line_and_a_suggestion() -> None:
    from pasienis.ingest.compile import compile_mapping

    text = """dataset: people
entities:
  person:
    schema: Person
    key: [id]
    properties:
      name: name
      birthdate: born
"""
    with pytest.raises(MappingError) as info:
        compile_mapping(parse_mapping(text, name="people.yml"))
    assert "people.yml:8: schema Person has no property 'birthdate'" in info.value.message
    assert "did you mean 'birthDate'" in info.value.message


def test_a_schema_typo_and_an_unknown_key_name_lines_and_suggestions() -> None:
    from pasienis.ingest.compile import compile_mapping

    text = """dataset: people
entities:
  person:
    schema: Persn
    key: [id]
"""
    with pytest.raises(
        MappingError, match=r"people.yml:4: unknown schema 'Persn' \(did you mean 'Person'"
    ):
        compile_mapping(parse_mapping(text, name="people.yml"))
    with pytest.raises(
        MappingError, match=r"people.yml:5: .*unknown key 'kye' \(did you mean 'key'"
    ):
        parse_mapping(text.replace("key:", "kye:"), name="people.yml")


def test_a_truncated_xml_names_the_cut_off_record(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.xml"
    body = "".join(f"<p id='{i}'><name>N{i}</name></p>" for i in range(5))
    path.write_text(f"<people>\n{body}\n<p id='9'><na", encoding="utf-8")
    text = """
dataset: people
source: {format: xml, records: /people/p}
entities:
  person: {schema: Person, key: ["@id"], properties: {name: name}}
"""
    _import(sqlite_store, path, text)
    with sqlite_store.read() as conn:
        [entry] = list_entries(conn)
    assert entry["record"] != {}
    assert entry["record"]["@id"] == "9"
    assert "record 6, opened at line 3 (id='9') is cut off" in entry["reason"]


def test_every_problem_of_a_row_is_reported(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "id,name,born,time\n"
        "1,Jonas,31.31.1970,2026-09-01 25:99\n"
        "2,Ona,01.02.1970,2026-09-01 10:00\n",
        encoding="utf-8",
    )
    text = """
dataset: crossings
entities:
  person:
    schema: Person
    key: [name]
    properties: {name: name, birthDate: {column: born, transforms: [{date: "%d.%m.%Y"}]}}
events:
  crossing:
    table: border_crossings
    key: [id]
    columns:
      occurred_at: {column: time, timezone: Europe/Vilnius}
      person_id: {entity: person}
"""
    _import(sqlite_store, path, text)
    with sqlite_store.read() as conn:
        [entry] = list_entries(conn)
    assert entry["locator"] == "c.csv:2"
    assert entry["reason"].startswith("2 problems:")
    assert "25:99" in entry["reason"]
    assert "31.31.1970" in entry["reason"]


def test_the_run_counts_the_entities_the_store_holds(sqlite_store: Store, tmp_path: Path) -> None:
    """The same entity from two rows with different values was counted twice."""
    path = tmp_path / "p.csv"
    path.write_text("id,name\n1,Jonas\n1,Jonas Jonaitis\n2,Ona\n", encoding="utf-8")
    text = """
dataset: people
entities:
  person: {schema: Person, key: [id], properties: {name: name}}
"""
    result = _import(sqlite_store, path, text)
    with sqlite_store.read() as conn:
        held = conn.execute(
            select(func.count(func.distinct(statements.c.entity_id))).where(
                statements.c.dataset == "people"
            )
        ).scalar()
    assert result.run["entities"] == held == 2


PHONES = """
dataset: firms
entities:
  company:
    schema: Company
    key: [code]
    properties: {name: name, phone: phone, email: email}
"""


def test_one_bad_value_no_longer_drops_the_entity(sqlite_store: Store, tmp_path: Path) -> None:
    """Phones and e-mails in one cell are split and each validated; a bad one is quarantined
    as a value and the company goes in with the others."""
    path = tmp_path / "c.csv"
    path.write_text(
        'code,name,phone,email\n1,UAB A,"+37060012345; +37060012346; not a phone",'
        '"a@example.lt, b@example.lt"\n',
        encoding="utf-8",
    )
    result = _import(sqlite_store, path, PHONES)
    assert _values(sqlite_store, "name") == {"UAB A"}
    assert _values(sqlite_store, "phone") == {"+37060012345", "+37060012346"}
    assert _values(sqlite_store, "email") == {"a@example.lt", "b@example.lt"}
    with sqlite_store.read() as conn:
        [entry] = list_entries(conn)
        originals = conn.execute(
            select(statements.c.original_value).where(statements.c.prop == "phone")
        ).scalars()
        assert set(originals) == {"+37060012345; +37060012346; not a phone"}  # provenance
    assert (entry["kind"], entry["prop"], entry["value"]) == ("value", "phone", "not a phone")
    assert entry["entity_id"]
    assert result.run["quarantined"] == 0
    assert result.run["quarantined_values"] == 1


def test_on_invalid_record_quarantines_the_whole_record(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    path.write_text("code,name,phone,email\n1,UAB A,not a phone,\n2,UAB B,,\n", encoding="utf-8")
    _import(
        sqlite_store, path, PHONES.replace("dataset: firms", "dataset: firms\non_invalid: record")
    )
    assert _values(sqlite_store, "name") == {"UAB B"}
    with sqlite_store.read() as conn:
        [entry] = list_entries(conn)
    assert (entry["kind"], entry["locator"]) == ("record", "c.csv:2")


def test_ftm_entities_keep_their_good_values(sqlite_store: Store, tmp_path: Path) -> None:
    """The sanctions cluster case: a company whose phone cell holds three numbers, and a
    sanction whose duration is written in words."""
    path = tmp_path / "cluster.ftm.json"
    entities = [
        {"id": "co1", "schema": "Company",
         "properties": {"name": ["TOV Romashka"], "phone": ["+380441234567; +380441234568; ?"]}},
        {"id": "s1", "schema": "Sanction",
         "properties": {"entity": ["co1"], "duration": ["Десять років"], "program": ["UA"]}},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in entities), "utf-8")
    result = run_import(sqlite_store, source=path, fmt="ftm", dataset="sanctions")
    assert result.run["entities"] == 2
    assert _values(sqlite_store, "phone") == {"+380441234567", "+380441234568"}
    assert _values(sqlite_store, "program") == {"UA"}
    with sqlite_store.read() as conn:
        entries = list_entries(conn)
    assert {(e["entity_id"], e["prop"], e["value"]) for e in entries} == {
        ("co1", "phone", "?"),
        ("s1", "duration", "Десять років"),
    }
