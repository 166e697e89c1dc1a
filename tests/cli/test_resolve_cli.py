"""``pasienis resolve`` runs a job and prints its runs; ``pasienis review`` decides and undoes."""

from __future__ import annotations

import re

import pytest
from rich.console import Console
from sqlalchemy import select
from tests.resolve.conftest import load_people

from pasienis.cli import resolve as resolve_cli
from pasienis.resolve.models import resolution_judgements
from pasienis.store import Store


@pytest.fixture
def run(cli, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(resolve_cli, "out", Console(width=200))
    return cli


def test_resolve_then_review(run, sqlite_store: Store) -> None:
    load_people(sqlite_store)
    printed = run(
        "resolve",
        "--kind",
        "person",
        "--max-pairs",
        "20000",
        "--merge-threshold",
        "0.999999",
        "--review-threshold",
        "0.01",
    )
    assert re.search(r"person\s+│\s+batch\s+│\s+completed\s+│\s+96", printed), printed
    run("resolve", "--kind", "ship", ok=False)  # an unknown kind is refused
    from typer.testing import CliRunner

    from pasienis.cli import app

    result = CliRunner().invoke(
        app, ["review", "--user", "ona", "--limit", "1"], input="n\ntwins\n"
    )
    assert result.exit_code == 0, result.output
    assert "recorded judgement" in result.output
    with sqlite_store.read() as conn:
        judgement = conn.execute(
            select(resolution_judgements).where(resolution_judgements.c.source == "analyst")
        ).one()
    assert judgement.decision == "not-same"
    assert judgement.reason == "twins"
    assert "undone" in run("review", "--user", "ona", "--undo", judgement.id)
