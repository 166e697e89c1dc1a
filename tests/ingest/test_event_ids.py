"""Ids are the same whoever makes them: the writer, or the processor.

Bound batches leave event and statement ids to the writer (``Output.writer_ids``); what it
stores must be exactly ``event_id(namespace, parts)`` and FollowTheMoney's statement key, so
that re-imports, other mappings and links keep matching.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from followthemoney.statement import Statement
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from pasienis.ingest import parse_mapping, run_import
from pasienis.ingest.rows import EventTarget, event_id, id_of_key, id_scheme
from pasienis.model.events import border_crossings, violations
from pasienis.model.models import statements
from pasienis.store import Store

MAPPING = """
dataset: ids
source: {format: csv}
entities:
  vehicle:
    schema: Vehicle
    key: [{column: plate, transforms: [plate]}]
    properties: {registrationNumber: {column: plate, transforms: [plate]}}
events:
  crossing:
    table: border_crossings
    key: [id]
    columns: {occurred_at: time}
  a_rather_long_event_name_for_the_prefix:
    table: violations
    key: [id, {column: plate, transforms: [plate]}, lane]
    columns: {occurred_at: time, category: {constant: other}}
"""


@pytest.mark.parametrize("writer_process_from", [1, 0])
def test_stored_ids_are_event_id_of_the_key(
    sqlite_store: Store, tmp_path: Path, writer_process_from: int
) -> None:
    rows = [("C1", "abc 123", "1"), (" C2 ", "ABC-123", ""), ("C3", "", "7")]
    source = tmp_path / "ids.csv"
    source.write_text(
        "id,plate,lane,time\n"
        + "".join(f"{i},{p},{lane},2026-09-01T12:00:00+03:00\n" for i, p, lane in rows),
        encoding="utf-8",
    )
    result = run_import(
        sqlite_store, source=source, mapping=parse_mapping(MAPPING, name="ids.yml"),
        writer_process_from=writer_process_from,
    )  # fmt: skip
    assert result.status == "completed"
    with sqlite_store.read() as conn:
        crossings = set(conn.execute(select(border_crossings.c.id)).scalars())
        flagged = set(conn.execute(select(violations.c.id)).scalars())
        stored = conn.execute(
            select(statements.c.id, statements.c.dataset, statements.c.entity_id,
                   statements.c.prop, statements.c.value)
        ).all()  # fmt: skip
    assert len(stored) == 2  # one vehicle: its id and its registration number
    for sid, dataset, entity_id, prop, value in stored:
        assert sid == Statement.make_key(dataset, entity_id, prop, value, external=False)
    assert crossings == {event_id("ids.crossing", [k.strip()]) for k, _p, _l in rows}
    long = "ids.a_rather_long_event_name_for_the_prefix"
    assert flagged == {
        event_id(long, ["C1", "ABC123", "1"]),
        event_id(long, ["C2", "ABC123", ""]),
        event_id(long, ["C3", "", "7"]),
    }
    assert all(len(i) <= 64 for i in crossings | flagged)


@given(st.lists(st.text(min_size=1), max_size=20), st.sampled_from(["crossing", "x" * 40]))
def test_writer_ids_are_id_of_key(keys: list[str], namespace: str) -> None:
    """The writer's batch form (:meth:`EventTarget.with_ids`) is :func:`id_of_key` row by row."""
    prefix, hashed = id_scheme(namespace)
    target = EventTarget("border_crossings", ("id", "dataset"), prefix, hashed)
    rows = [(key, "ds") for key in keys]
    assert target.with_ids(rows) == [(id_of_key(prefix, hashed, key), "ds") for key in keys]
