"""A large import into a small table loads without its secondary indexes, then rebuilds them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from tests.ingest.conftest import count

from pasienis.ingest import parse_mapping, run_import
from pasienis.ingest.bulk import owner_of, tables_written
from pasienis.ingest.compile import compile_mapping
from pasienis.model.events import border_crossings
from pasienis.model.models import statements
from pasienis.store import Store, deferred, droppable_indexes

MAPPING = """
dataset: crossings_bulk
source: {format: csv}
entities:
  person:
    schema: Person
    key: [person]
    properties: {name: person}
events:
  crossing:
    table: border_crossings
    key: [id]
    columns: {occurred_at: time, person_id: {entity: person}, direction: direction}
"""


def _write(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,person,time,direction\n")
        for i in range(rows):
            handle.write(f"C{i},Person {i % 97},2026-10-0{1 + i % 9}T08:00:00+03:00,entry\n")


def _indexes(store: Store) -> dict[str, set[str]]:
    with store.read() as conn:
        return {
            t: {n for n, _d in droppable_indexes(conn, t)}
            for t in ("statements", "border_crossings")
        }


def test_large_import_defers_then_rebuilds(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "crossings.csv"
    _write(source, 3_000)
    before = _indexes(store)
    assert before["border_crossings"]
    assert before["statements"]
    seen_during: list[Any] = []

    def progress(done: int, total: int | None, message: str) -> None:
        if "index" not in message:
            with store.read() as conn:
                seen_during.append({row["index_name"] for row in deferred(conn)})

    result = run_import(
        store, source=source, mapping=parse_mapping(MAPPING, name="bulk.yml"),
        batch_size=1_000, progress=progress, defer_indexes_from=1_000,
    )  # fmt: skip
    assert result.status == "completed"
    owner = owner_of(result.run["id"])
    assert seen_during
    assert seen_during[0] == before["border_crossings"] | before["statements"]
    assert _indexes(store) == before  # all rebuilt
    with store.read() as conn:
        assert deferred(conn, owners=[owner]) == []
        # The rebuilt indexes serve queries over the rows loaded without them.
        person = conn.execute(select(border_crossings.c.person_id).limit(1)).scalar()
        by_person = conn.execute(
            select(func.count())
            .select_from(border_crossings)
            .where(border_crossings.c.person_id == person)
        ).scalar()
    assert by_person
    assert by_person >= 3_000 // 97
    assert count(store, border_crossings) == 3_000
    assert count(store, statements, statements.c.prop == "id") == 97


def test_small_import_and_threshold_zero_keep_indexes(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "crossings.csv"
    _write(source, 500)
    mapping = parse_mapping(MAPPING, name="bulk.yml")
    before = _indexes(store)
    seen: list[Any] = []

    def progress(done: int, total: int | None, message: str) -> None:
        with store.read() as conn:
            seen.append(deferred(conn))

    run_import(store, source=source, mapping=mapping, progress=progress, defer_indexes_from=1_000)
    _write(source, 5_000)
    run_import(store, source=source, mapping=mapping, progress=progress, defer_indexes_from=0)
    assert all(found == [] for found in seen)
    assert _indexes(store) == before


def test_tables_written() -> None:
    compiled = compile_mapping(parse_mapping(MAPPING, name="bulk.yml"))
    assert tables_written(compiled) == ["statements", "border_crossings"]
    assert tables_written(None) == ["statements"]
