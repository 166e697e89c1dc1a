"""The ingest administration commands as an administrator runs them.

Imports, ``db upgrade`` and the failing check run as real subprocesses (exit codes and the
one-line error of the entry point); the commands that only read or flip what an import left
run in-process (Typer's runner) on the same database file: each subprocess costs a full
interpreter start-up and import, which was most of this file's time. Databases start as a
copy of the migrated template (``db upgrade`` itself is tested here, once).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.test_cli_basics import run
from typer.testing import CliRunner, Result

from pasienis.cli import app

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


def _migrated(data: Path, template: Path) -> Path:
    """``data`` with a migrated ``pasienis.db`` in it (where ``run`` finds the database)."""
    data.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, data / "pasienis.db")
    return data


def _in_process(args: list[str], data: Path) -> Result:
    """The command in this process, configured as ``run`` configures a subprocess."""
    env = {"PASIENIS_DATA_DIR": str(data), "PASIENIS_DATABASE_URL": None}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_db_upgrade_says_what_it_did(tmp_path: Path) -> None:
    first = run(["db", "upgrade"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "applied 0001:" in first.stdout
    assert "migration(s) applied" in first.stdout
    again = run(["db", "upgrade"], tmp_path)
    assert "already up to date" in again.stdout


def test_a_mostly_quarantined_import_exits_non_zero(tmp_path: Path, sqlite_template: Path) -> None:
    data = _migrated(tmp_path / "data", sqlite_template)
    source, mapping = _files(tmp_path, born="1980-02-01")  # not the mapping's date format
    done = run(["ingest", str(source), "-m", str(mapping), "-q"], data)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "completed_with_quarantine" in done.stdout
    assert "more than the 10% allowed" in done.stderr
    lenient = run(
        ["ingest", str(source), "-m", str(mapping), "-q", "--force"], data,
        PASIENIS_INGEST_MAX_QUARANTINE_SHARE="1",
    )  # fmt: skip
    assert lenient.returncode == 0, lenient.stderr


def test_mapping_check_preview_draft_and_imports(tmp_path: Path, sqlite_template: Path) -> None:
    data = _migrated(tmp_path / "data", sqlite_template)
    source, mapping = _files(tmp_path)
    checked = _in_process(["mapping", "check", str(mapping), str(source)], data)
    assert checked.exit_code == 0, checked.output
    mapping.write_text(MAPPING.replace("name: name", "name: nmae"), encoding="utf-8")
    wrong = run(["mapping", "check", str(mapping), str(source)], data)
    assert wrong.returncode == 1
    assert "people.yml:8: column 'nmae' is not in the source (did you mean 'name'?)" in wrong.stderr
    mapping.write_text(MAPPING, encoding="utf-8")
    shown = _in_process(["mapping", "preview", str(mapping), str(source), "--rows", "1"], data)
    assert shown.exit_code == 0, shown.output
    [record] = json.loads(shown.stdout)
    assert record["entities"][0]["properties"]["birthDate"] == ["1980-02-01"]
    drafted = _in_process(["mapping", "draft", str(source)], data)
    assert "'born': date %d.%m.%Y" in drafted.stdout
    assert run(["ingest", str(source), "-m", str(mapping), "-q"], data).returncode == 0
    [listed] = [
        json.loads(line)
        for line in _in_process(["imports", "list", "--json"], data).stdout.splitlines()
    ]
    assert (listed["source_name"], listed["status"], listed["retracted"]) == (
        "people.csv", "completed", False,
    )  # fmt: skip
    run_id = listed["id"][:6]
    shown_run = _in_process(["imports", "show", run_id], data)
    assert json.loads(shown_run.stdout)["records"] == 2
    assert _in_process(["imports", "retract", run_id, "--user", "admin"], data).exit_code == 0
    relisted = _in_process(["imports", "list", "--json"], data).stdout
    assert json.loads(relisted)["retracted"] is True
    assert _in_process(["imports", "restore", run_id], data).exit_code == 0
    assert json.loads(_in_process(["imports", "list", "--json"], data).stdout)["retracted"] is False
