"""The ingest administration commands as an administrator runs them (real subprocesses)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli_basics import run

MAPPING = """
dataset: people
entities:
  person:
    schema: Person
    key: [id]
    properties:
      name: name
      birthDate: {column: born, transforms: [{date: "%d.%m.%Y"}]}
"""


def _files(tmp_path: Path, born: str = "01.02.1980") -> tuple[Path, Path]:
    source = tmp_path / "people.csv"
    source.write_text(f"id,name,born\n1,Jonas,{born}\n2,Ona,{born}\n", encoding="utf-8")
    mapping = tmp_path / "people.yml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return source, mapping


def test_db_upgrade_says_what_it_did(tmp_path: Path) -> None:
    first = run(["db", "upgrade"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "applied 0001:" in first.stdout
    assert "migration(s) applied" in first.stdout
    again = run(["db", "upgrade"], tmp_path)
    assert "already up to date" in again.stdout


def test_a_mostly_quarantined_import_exits_non_zero(tmp_path: Path) -> None:
    data = tmp_path / "data"
    source, mapping = _files(tmp_path, born="1980-02-01")  # not the mapping's date format
    run(["db", "upgrade"], data)
    done = run(["ingest", str(source), "-m", str(mapping), "-q"], data)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "completed_with_quarantine" in done.stdout
    assert "more than the 10% allowed" in done.stderr
    lenient = run(
        ["ingest", str(source), "-m", str(mapping), "-q", "--force"], data,
        PASIENIS_INGEST_MAX_QUARANTINE_SHARE="1",
    )  # fmt: skip
    assert lenient.returncode == 0, lenient.stderr


def test_mapping_check_preview_draft_and_imports(tmp_path: Path) -> None:
    data = tmp_path / "data"
    source, mapping = _files(tmp_path)
    assert run(["db", "upgrade"], data).returncode == 0
    checked = run(["mapping", "check", str(mapping), str(source)], data)
    assert checked.returncode == 0, checked.stderr
    mapping.write_text(MAPPING.replace("name: name", "name: nmae"), encoding="utf-8")
    wrong = run(["mapping", "check", str(mapping), str(source)], data)
    assert wrong.returncode == 1
    assert "people.yml:8: column 'nmae' is not in the source (did you mean 'name'?)" in wrong.stderr
    mapping.write_text(MAPPING, encoding="utf-8")
    shown = run(["mapping", "preview", str(mapping), str(source), "--rows", "1"], data)
    assert shown.returncode == 0, shown.stderr
    [record] = json.loads(shown.stdout)
    assert record["entities"][0]["properties"]["birthDate"] == ["1980-02-01"]
    drafted = run(["mapping", "draft", str(source)], data)
    assert "'born': date %d.%m.%Y" in drafted.stdout
    assert run(["ingest", str(source), "-m", str(mapping), "-q"], data).returncode == 0
    [listed] = [
        json.loads(line) for line in run(["imports", "list", "--json"], data).stdout.splitlines()
    ]
    assert (listed["source_name"], listed["status"], listed["retracted"]) == (
        "people.csv", "completed", False,
    )  # fmt: skip
    run_id = listed["id"][:6]
    shown_run = run(["imports", "show", run_id], data)
    assert json.loads(shown_run.stdout)["records"] == 2
    assert run(["imports", "retract", run_id, "--user", "admin"], data).returncode == 0
    assert json.loads(run(["imports", "list", "--json"], data).stdout)["retracted"] is True
    assert run(["imports", "restore", run_id], data).returncode == 0
