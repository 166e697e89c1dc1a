"""Each silent failure of issue 12 as an administrator meets it: the real ``pasienis ingest``
command on a deliberately broken mapping or file. Before the issue each of these printed
"completed" and exited 0; now each fails before importing (exit 1, the mapping's file and
line, a "did you mean") or finishes with a status that says what happened and exits 2 when
more than the allowed share was quarantined.

In-process (Typer's runner) rather than a subprocess per case: the CLI's start-up costs
seconds each, and ``tests/cli/test_ingest_cli.py`` covers the real process and its output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from pasienis.cli import app
from pasienis.config import Settings
from pasienis.errors import PasienisError
from pasienis.ingest import list_entries
from pasienis.model.models import statements
from pasienis.store import open_store


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-failures")
    assert _cli(["db", "upgrade"], folder).exit_code == 0
    return folder


def _cli(args: list[str], data_dir: Path, **env: str) -> Result:
    return CliRunner().invoke(
        app, args, env={"PASIENIS_DATA_DIR": str(data_dir), "PASIENIS_DATABASE_URL": None, **env}
    )


def _ingest(data: Path, folder: Path, source: str, body: str, mapping: str, **env: str) -> Result:
    name = "source." + source
    (folder / name).write_text(body, encoding="utf-8")
    (folder / "map.yml").write_text(mapping, encoding="utf-8")
    return _cli(["ingest", str(folder / name), "-m", str(folder / "map.yml"), "-q", "--json"],
                data, **env)  # fmt: skip


def _message(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, PasienisError), result.exception
    return result.exception.message


def _run(result: Result) -> dict[str, Any]:
    return json.loads(result.output[result.output.index("{") :])  # type: ignore[no-any-return]


@pytest.fixture
def store(data: Path) -> Iterator[Any]:
    opened = open_store(Settings(data_dir=data, database_url=None))
    yield opened
    opened.dispose()


def _values(store: Any, dataset: str, prop: str) -> set[str]:
    query = select(statements.c.value).where(
        statements.c.dataset == dataset, statements.c.prop == prop
    )
    with store.read() as conn:
        return set(conn.execute(query).scalars())


def test_a_column_not_in_the_header(data: Path, tmp_path: Path, store: Any) -> None:
    mapping = """dataset: cli_header
entities:
  person: {schema: Person, key: [id], properties: {name: Vardas, lastName: Pavarde}}
"""
    found = _ingest(data, tmp_path, "csv", "id,Vardas,Pavardė\n1,Jonas,Jonaitis\n", mapping)
    assert "map.yml:3: column 'Pavarde' is not in the source (did you mean 'Pavardė'?)" in (
        _message(found)
    )
    assert _values(store, "cli_header", "name") == set()  # nothing imported


def test_records_paths_that_match_nothing(data: Path, tmp_path: Path) -> None:
    xml = '<Root xmlns="urn:customs:decl"><Decl id="1"><Name>A</Name></Decl></Root>'
    mapping = """dataset: cli_xml
source: {format: xml, records: /Root/Decl}
entities:
  company: {schema: Company, key: ["@id"], properties: {name: Name}}
"""
    assert "namespace 'urn:customs:decl'" in _message(_ingest(data, tmp_path, "xml", xml, mapping))
    doc = json.dumps({"data": {"items": [{"id": 1, "name": "A"}]}})
    mapping = """dataset: cli_json
source: {format: json, records: data.item}
entities:
  company: {schema: Company, key: [id], properties: {name: name}}
"""
    message = _message(_ingest(data, tmp_path, "json", doc, mapping))
    assert "records path 'data.item' matches no records (did you mean 'data.items'?)" in message


def test_a_date_without_a_transform_is_quarantined_not_truncated(
    data: Path, tmp_path: Path, store: Any
) -> None:
    mapping = """dataset: cli_dates
entities:
  person: {schema: Person, key: [id], properties: {name: name, birthDate: born}}
"""
    body = "id,name,born\n1,Jonas,2004.04.23\n2,Ona,2004-04-23\n"
    done = _ingest(data, tmp_path, "csv", body, mapping)
    assert done.exit_code == 2, done.output  # half the records lost a value: over 10%
    assert _run(done)["status"] == "completed_with_quarantine"
    assert _values(store, "cli_dates", "birthDate") == {"2004-04-23"}  # never "2004"
    assert _values(store, "cli_dates", "name") == {"Jonas", "Ona"}


def test_a_wrong_date_format_is_not_completed(data: Path, tmp_path: Path) -> None:
    mapping = """dataset: cli_format
entities:
  person:
    schema: Person
    key: [id]
    properties: {name: name, birthDate: {column: born, transforms: [{date: "%d.%m.%Y"}]}}
"""
    body = "id,name,born\n" + "".join(f"{i},P{i},2004.04.{10 + i}\n" for i in range(10))
    done = _ingest(data, tmp_path, "csv", body, mapping)
    assert done.exit_code == 2, done.output
    run = _run(done)
    assert (run["status"], run["ok"], run["quarantined_values"]) == (
        "completed_with_quarantine", False, 10,
    )  # fmt: skip
    lenient = _ingest(data, tmp_path, "csv", body + "99,P,01.01.2000\n", mapping,
                      PASIENIS_INGEST_MAX_QUARANTINE_SHARE="1")  # fmt: skip
    assert lenient.exit_code == 0, lenient.output  # the share is a setting


def test_a_mistyped_time_zone_and_a_property_typo(data: Path, tmp_path: Path) -> None:
    mapping = """dataset: cli_zone
events:
  crossing:
    table: border_crossings
    key: [id]
    columns:
      occurred_at: {column: time, timezone: Europe/Vilna}
"""
    message = _message(_ingest(data, tmp_path, "csv", "id,time\n1,2026-09-01 10:00\n", mapping))
    assert "map.yml:7:" in message
    assert "unknown time zone 'Europe/Vilna'" in message
    assert "Europe/Vilnius" in message
    mapping = """dataset: cli_typo
entities:
  person: {schema: Person, key: [id], properties: {name: name, birthdate: born}}
"""
    message = _message(_ingest(data, tmp_path, "csv", "id,name,born\n1,A,2000-01-01\n", mapping))
    assert "map.yml:3: schema Person has no property 'birthdate'" in message
    assert "did you mean 'birthDate'" in message


def test_a_truncated_xml_and_every_problem_of_a_row(data: Path, tmp_path: Path, store: Any) -> None:
    body = "".join(f"<p id='{i}'><name>N{i}</name></p>" for i in range(5))
    mapping = """dataset: cli_cut
source: {format: xml, records: /people/p}
entities:
  person: {schema: Person, key: ["@id"], properties: {name: name}}
"""
    _ingest(data, tmp_path, "xml", f"<people>\n{body}\n<p id='9'><na", mapping)
    mapping = """dataset: cli_row
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
    body = (
        "id,name,born,time\n"
        "1,Jonas,31.31.1970,2026-09-01 25:99\n"
        "2,Ona,01.02.1970,2026-09-01 10:00\n"
    )
    _ingest(data, tmp_path, "csv", body, mapping)
    with store.read() as conn:
        [cut] = list_entries(conn, dataset="cli_cut")
        [row] = list_entries(conn, dataset="cli_row")
    assert cut["record"]["@id"] == "9"
    assert "(id='9') is cut off" in cut["reason"]
    assert row["reason"].startswith("2 problems:")
    assert "25:99" in row["reason"]
    assert "31.31.1970" in row["reason"]


def test_the_counts_and_a_bad_value_in_a_phone_cell(data: Path, tmp_path: Path, store: Any) -> None:
    mapping = """dataset: cli_firms
entities:
  company: {schema: Company, key: [code], properties: {name: name, phone: phone}}
"""
    body = (
        'code,name,phone\n1,UAB A,"+37060012345; +37060012346; not a phone"\n1,UAB A2,\n2,UAB B,\n'
    )
    done = _ingest(data, tmp_path, "csv", body, mapping, PASIENIS_INGEST_MAX_QUARANTINE_SHARE="1")
    assert done.exit_code == 0, done.output
    run = _run(done)
    assert run["entities"] == 2  # the same company from two rows counts once
    assert (run["quarantined"], run["quarantined_values"]) == (0, 1)
    assert _values(store, "cli_firms", "phone") == {"+37060012345", "+37060012346"}
    assert _values(store, "cli_firms", "name") == {"UAB A", "UAB A2", "UAB B"}
