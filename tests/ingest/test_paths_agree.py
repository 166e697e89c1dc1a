"""Property-based: the general processor, the flat record path and the column-wise path give
the same rows and quarantine entries for random records, in the configuration production
uses (rows bound for the store, ids made by the writer)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pasienis.ingest import parse_mapping
from pasienis.ingest.compile import compile_mapping
from pasienis.ingest.flat import FlatProcessor
from pasienis.ingest.pipeline import Output, Processor
from pasienis.ingest.readers.delimited import DelimitedReader
from pasienis.store import Store

SEEN = datetime(2026, 11, 1, tzinfo=UTC)
MAPPING = """
dataset: agree
source: {format: csv}
entities:
  person:
    schema: Person
    key: [name, born]
    properties:
      name: name
      birthDate: {column: born, transforms: [{date: ["%d.%m.%Y", "%Y-%m-%d"]}]}
      phone: phone
  vehicle:
    schema: Vehicle
    key: [{column: plate, transforms: [plate]}]
    properties: {registrationNumber: {column: plate, transforms: [plate], format: plate}}
  link:
    schema: Ownership
    key: [plate, name]
    properties: {owner: {entity: person}, asset: {entity: vehicle}}
events:
  crossing:
    table: border_crossings
    key: [id]
    columns:
      occurred_at: {column: time, timezone: Europe/Vilnius}
      lat: lat
      person_id: {entity: person}
      vehicle_id: {entity: vehicle}
"""
ROW = st.fixed_dictionaries({
    "id": st.sampled_from(["X1", "X2", "X3", "", "X4"]),
    "name": st.sampled_from(["Jonas", "Ona", "", "Petras"]),
    "born": st.sampled_from(["01.02.1970", "1970-02-01", "31.31.1999", "1970.02.01", ""]),
    "phone": st.sampled_from(
        ["", "+37060012345", "+37060012345; +37060012346", "bad; +37060012347"]
    ),
    "plate": st.sampled_from(["ABC 123", "т123вн77", "", "!!", "KLM 456"]),
    "time": st.sampled_from(["2026-09-01T10:00:00", "2026-09-01T10:00:00+03:00", "25:99", ""]),
    "lat": st.sampled_from(["54.4", "54,4", "north", ""]),
})  # fmt: skip
FIELDS = ["id", "name", "born", "phone", "plate", "time", "lat"]


def _write(rows: list[dict[str, str]], folder: Path) -> Path:
    text = io.StringIO()
    writer = csv.DictWriter(text, FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = folder / "rows.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def _entries(out: Output) -> list[Any]:
    return [(r.locator, p.kind, p.entity_id, p.prop, p.summary()) for r, p in out.quarantine]


def _general(path: Path, bind: Any) -> Output:
    processor = Processor(compile_mapping(parse_mapping(MAPPING, name="a.yml")),
                          run_id="run", seen=SEEN, bind_time=bind)  # fmt: skip
    out = processor.new_output()
    for record in DelimitedReader(path).records():
        processor.process(record, out)
    return out


def _flat(path: Path, chunk: int | None, bind: Any) -> Output:
    processor = FlatProcessor(compile_mapping(parse_mapping(MAPPING, name="a.yml")),
                              run_id="run", seen=SEEN, bind_time=bind)  # fmt: skip
    reader = DelimitedReader(path)
    processor.header, processor.name = reader.header(), reader.name
    out = processor.new_output()
    items = [item for item in reader.rows() if type(item) is tuple]
    if chunk is None:
        for item in items:
            vector = processor._to_vector(item[2])
            processor.process_vector(vector, f"{reader.name}:{item[1]}", out, item)
    else:
        for start in range(0, len(items), chunk):
            processor.process_rows(items[start : start + chunk], out)
    return out


@pytest.mark.xfail(
    reason="known divergence (issue 12, one mapping semantics): the same bad value of one entity "
    "on two rows is one quarantine entry on the general path and two on the flat paths",
    strict=False,
)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(ROW, min_size=1, max_size=30), chunk=st.sampled_from([1, 3, 16]))
def test_every_path_gives_the_same_result(
    sqlite_store: Store, tmp_path: Path, rows: list[dict[str, str]], chunk: int
) -> None:
    """With the SQLite store's own time binding, as imports run (``Store.bind_datetime``)."""
    bind = sqlite_store.bind_datetime
    path = _write(rows, tmp_path)
    general = _general(path, bind)
    vector, chunked = _flat(path, None, bind), _flat(path, chunk, bind)
    for out in (vector, chunked):
        assert sorted(map(repr, out.statements)) == sorted(map(repr, general.statements))
        assert out.events == general.events
        assert _entries(out) == _entries(general)
        assert (out.records, out.entities) == (general.records, general.entities)
