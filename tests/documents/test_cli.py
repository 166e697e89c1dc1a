"""``pasienis ingest-docs`` over a folder: a progress bar, a summary, failures named."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import EN


def test_ingest_docs_folder(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "in" / "sub"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text(EN)
    (tmp_path / "in" / "b.txt").write_text("Second report about +370 612 34567.\n")
    out = cli("ingest-docs", str(tmp_path / "in"), "--dataset", "cli_docs", "--no-progress")
    assert "2 documents: 2 processed" in out
    again = cli("ingest-docs", str(tmp_path / "in"), "--json", "--no-progress")
    assert json.loads(again)["counts"] == {"processed": 2}  # another dataset: new documents
    same = cli("ingest-docs", str(tmp_path / "in"), "--dataset", "cli_docs", "--no-progress")
    assert "2 unchanged" in same


def test_ingest_docs_reports_failures_and_exits_non_zero(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "ok.txt").write_text(EN)
    out = cli("ingest-docs", str(tmp_path), "--no-progress", ok=False)
    assert "failed" in out
    assert "bin.txt: binary content" in out


def test_ingest_docs_missing_path(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from pasienis.cli import app

    result = CliRunner().invoke(app, ["ingest-docs", str(tmp_path / "nope")])
    assert result.exit_code != 0
    assert "no such file or folder" in str(result.exception)
