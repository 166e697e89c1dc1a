"""The CLI as a user runs it: a real subprocess, a real SQLite file, env configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pasienis.cli import app
from pasienis.model.ids import make_id


def run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PASIENIS_DATA_DIR": str(data_dir), **env}
    full_env.pop("PASIENIS_DATABASE_URL", None)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", "from pasienis.cli import main; main()", *args],
        capture_output=True, text=True, env=full_env, timeout=120, check=False,
    )  # fmt: skip


def test_upgrade_load_and_show(tmp_path: Path) -> None:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    assert (tmp_path / "pasienis.db").exists()
    loaded = run(["demo", "load"], tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    shown = run(["entities", "show", make_id("sample", "P2")], tmp_path)
    assert shown.returncode == 0, shown.stderr
    entity = json.loads(shown.stdout)
    assert "Александр Иванов" in entity["properties"]["name"]


def _command_paths() -> list[list[str]]:
    """Every group and command of the Typer app, walked from click's tree (none forgotten)."""
    import typer.main

    root = typer.main.get_command(app)
    context = root.context_class(root)  # Typer's own (vendored) click Context
    paths: list[list[str]] = [[]]

    def walk(command: Any, prefix: list[str]) -> None:
        if not hasattr(command, "list_commands"):  # a command, not a group
            return
        for name in command.list_commands(context):  # the lazy root loads each one here
            sub = command.get_command(context, name)
            assert sub is not None, f"{name} is listed but cannot be loaded"
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(root, [])
    return paths


@pytest.mark.parametrize("command", _command_paths(), ids=lambda c: " ".join(c) or "root")
def test_every_command_has_help(command: list[str]) -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert len(_command_paths()) > 40, "the walk found the command tree"


def test_bad_schema_fails_with_one_line_and_hint(tmp_path: Path) -> None:
    schema_dir = tmp_path / "schema"
    schema_dir.mkdir()
    (schema_dir / "x.yaml").write_text("Thingy:\n  extends: [Nothing]\n", encoding="utf-8")
    result = run(["schema", "check"], tmp_path, PASIENIS_SCHEMA_DIR=str(schema_dir))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "x.yaml:1: schema 'Thingy' has no label" in result.stderr
    assert "x.yaml:2: extends unknown schema 'Nothing'" in result.stderr
    assert "hint:" in result.stderr


def test_bad_database_url_is_one_line(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path, PASIENIS_DATABASE_URL="oracle://x@y/z")
    assert result.returncode == 1
    assert "unsupported database engine" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_command_imports_only_its_own_capability() -> None:
    """``pasienis db …`` must not pay for the analytics (LightGBM, OR-Tools, Splink, SciPy)."""
    code = (
        "import sys; from pasienis.cli import load_command; load_command('db'); "
        "heavy = {'lightgbm', 'ortools', 'splink', 'scipy', 'pasienis.api'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
