"""docs/mappings.md carries the event tables and schemata generated from the code."""

from __future__ import annotations

from pathlib import Path

from pasienis.model.events import EVENT_TABLES, FILLED_COLUMNS
from pasienis.model.reference import BEGIN, END, reference_text, with_reference

DOC = Path(__file__).parents[2] / "docs" / "mappings.md"


def test_the_committed_reference_is_the_generated_one() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text
    assert END in text
    assert with_reference(text) == text, "run `pasienis schema docs` and commit docs/mappings.md"


def test_the_reference_lists_every_event_table_with_required_columns() -> None:
    text = reference_text()
    for name, table in EVENT_TABLES.items():
        assert f"### `{name}`" in text
        for column in table.columns:
            if column.name not in FILLED_COLUMNS:
                assert f"| `{column.name}` |" in text
    assert "| `occurred_at` | time (ISO-8601; `timezone:` for local times) | **yes** |" in text
    assert "### Person — Person (extends" in text
    assert "| `birthDate` | date |" in text


def test_a_stale_section_is_replaced_and_prose_kept() -> None:
    stale = f"# Mappings\n\nprose\n\n{BEGIN}\nSTALE-TEXT\n{END}\n"
    fresh = with_reference(stale)
    assert fresh.startswith("# Mappings\n\nprose\n\n")
    assert "STALE-TEXT" not in fresh
    assert with_reference(fresh) == fresh
