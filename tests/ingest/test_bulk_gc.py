"""Imports pause automatic garbage collection: safe only because batches form no cycles.

The settings are the process's (the last import out restores them), and what an import keeps
must be freed by reference counting alone, quarantined records included.
"""

from __future__ import annotations

import contextlib
import gc
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pasienis.ingest import gcpause, parse_mapping
from pasienis.ingest.compile import compile_mapping
from pasienis.ingest.flat import FlatProcessor
from pasienis.ingest.pipeline import Output, Processor
from pasienis.ingest.readers.delimited import DelimitedReader
from pasienis.ingest.writer import END_FRAME, encode, write_stream

MAPPING = """
dataset: cycles
source: {format: csv}
on_invalid: record
entities:
  person:
    schema: Person
    key: [name]
    properties: {name: name, birthDate: {column: born, transforms: [{date: ["%d.%m.%Y"]}]}}
events:
  crossing:
    table: border_crossings
    key: [id]
    columns: {occurred_at: time, person_id: {entity: person}, lat: lat}
"""


def test_overlapping_imports_restore_the_original_settings() -> None:
    assert gc.isenabled()
    gcpause.pause()  # import A
    gcpause.pause()  # import B, in another thread
    assert not gc.isenabled()
    gcpause.resume()  # A ends first: B still runs with collection paused
    assert not gc.isenabled()
    assert gc.get_freeze_count() > 0
    gcpause.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("kind", [FlatProcessor, Processor])
def test_batches_with_quarantined_records_leave_no_cycles(tmp_path: Path, kind: type) -> None:
    """Every third row is quarantined (a bad date, time or number, raised and caught deep in
    the processor): dropping the batches must free everything without the collector."""
    path = tmp_path / "rows.csv"
    rows = [
        f"C{i},Person {i % 40},{'31.31.1999' if i % 9 == 0 else '01.02.1970'},"
        f"{'later' if i % 9 == 3 else '2026-09-01T12:00:00+03:00'},"
        f"{'north' if i % 9 == 6 else 54.4}"
        for i in range(3_000)
    ]
    path.write_text("\n".join(["id,name,born,time,lat", *rows, ""]), encoding="utf-8")
    processor = kind(
        compile_mapping(parse_mapping(MAPPING, name="cycles.yml")),
        run_id="run", seen=datetime(2026, 11, 1, tzinfo=UTC),
    )  # fmt: skip
    reader = DelimitedReader(path)
    gc.collect()
    gc.disable()
    try:
        quarantined = 0
        if isinstance(processor, FlatProcessor):
            processor.header, processor.name = reader.header(), reader.name
            items = [item for item in reader.rows() if type(item) is tuple]
            for start in range(0, len(items), 500):
                out = processor.new_output()
                processor.process_rows(items[start : start + 500], out)
                quarantined += len(out.quarantine)
        else:
            out = processor.new_output()
            for record in reader.records():
                processor.process(record, out)
            quarantined = len(out.quarantine)
        del out
        assert quarantined == 1_000
        assert gc.collect() == 0, "a batch was kept alive by a reference cycle"
    finally:
        gc.enable()


def test_the_writer_process_writes_with_collection_paused() -> None:
    """The writer process's loop (``writer.write_stream``) writes every frame in order with
    automatic collection paused, as the mapping process does, and restores it after."""
    batches = [(Output(records=i), i) for i in range(1, 24)]
    stream = io.BytesIO(b"".join(encode(batch, batch[0]) for batch in batches) + END_FRAME)
    seen: list[tuple[int, bool]] = []

    def write(_conn: object, out: Output, done: int) -> None:
        seen.append((done, gc.isenabled()))
        assert out.records == done

    assert gc.isenabled()
    written = write_stream(stream, contextlib.nullcontext, write, commit_rows=0)
    assert written == (len(batches), len(batches))
    assert seen == [(i, False) for i in range(1, 24)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
