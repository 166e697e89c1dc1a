"""Mapping files are validated at load with file:line messages; retry after a fix resolves."""

from __future__ import annotations

from pathlib import Path

import pytest

from pasienis.ingest import (
    MappingError,
    list_entries,
    load_mapping,
    parse_mapping,
    retry_entries,
    run_import,
)
from pasienis.ingest.mappings.scenario import FOLDER, SCENARIO_FILES
from pasienis.store import Store


def test_every_shipped_mapping_loads() -> None:
    for _source, name in SCENARIO_FILES:
        assert load_mapping(FOLDER / name).mapping.dataset.startswith("scenario_")


def test_unknown_transform_names_the_line() -> None:
    text = "dataset: demo\nentities:\n  p:\n    schema: Person\n    key: [id]\n    properties:\n      name: {column: n, transforms: [shout]}\n"
    with pytest.raises(MappingError) as info:
        parse_mapping(text, name="m.yml")
    assert "m.yml:7:" in info.value.message
    assert "unknown transform 'shout'" in info.value.message


def test_reference_to_undefined_entity_and_bad_yaml() -> None:
    text = "dataset: demo\nentities:\n  o:\n    schema: Ownership\n    key: [id]\n    properties:\n      owner: {entity: ghost}\n"
    with pytest.raises(MappingError, match="refers to entity 'ghost'"):
        parse_mapping(text, name="m.yml")
    with pytest.raises(MappingError, match=r"m\.yml:2: not valid YAML"):
        parse_mapping("dataset: demo\n  bad: [\n", name="m.yml")


def test_unknown_schema_or_property_fails_at_compile(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,n\n1,A\n", encoding="utf-8")
    text = "dataset: demo\nentities:\n  p: {schema: Person, key: [id], properties: {nmae: n}}\n"
    with pytest.raises(MappingError, match="has no property 'nmae'"):
        run_import(sqlite_store, source=path, mapping=parse_mapping(text))


def test_fix_mapping_and_retry_resolves_quarantine(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,name,born\n1,A,1980-01-02\n2,B,02.01.1980\n", encoding="utf-8")
    base = "dataset: demo\nentities:\n  p:\n    schema: Person\n    key: [id]\n    properties:\n      name: name\n"
    strict = base + "      birthDate: {column: born, transforms: [{date: '%Y-%m-%d'}]}\n"
    run_import(sqlite_store, source=path, mapping=parse_mapping(strict, name="m.yml"))
    with sqlite_store.read() as conn:
        assert len(list_entries(conn)) == 1
    fixed = (
        base + "      birthDate: {column: born, transforms: [{date: ['%Y-%m-%d', '%d.%m.%Y']}]}\n"
    )
    [result] = retry_entries(sqlite_store, mapping=parse_mapping(fixed, name="m.yml"))
    assert result.run["quarantined"] == 0
    with sqlite_store.read() as conn:
        assert list_entries(conn) == []
        assert len(list_entries(conn, status="resolved")) == 1
