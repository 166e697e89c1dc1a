"""Batches: full at the batch size, halving towards the end of a file of known size."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pasienis.ingest import parse_mapping
from pasienis.ingest.compile import compile_mapping
from pasienis.ingest.flat import FlatProcessor
from pasienis.ingest.pipeline import Processor
from pasienis.ingest.readers.delimited import DelimitedReader
from pasienis.ingest.service import _batch_limit, _batches

MAPPING = """
dataset: batches
source: {format: csv}
events:
  crossing:
    table: border_crossings
    key: [id]
    columns: {occurred_at: time}
"""


def test_batch_limit_halves_what_is_left_down_to_a_twentieth() -> None:
    assert _batch_limit(50_000, None, 0) == 50_000  # size unknown: always full batches
    assert _batch_limit(50_000, 1_000_000, 0) == 50_000
    assert _batch_limit(50_000, 1_000_000, 920_000) == 40_000
    assert _batch_limit(50_000, 1_000_000, 990_000) == 5_000
    assert _batch_limit(50_000, 1_000_000, 999_999) == 2_500
    assert _batch_limit(10, 100, 99) == 1


@pytest.mark.parametrize("kind", [FlatProcessor, Processor])
def test_last_batches_shrink_and_every_record_is_in_exactly_one(tmp_path: Path, kind: type) -> None:
    path = tmp_path / "rows.csv"
    rows = [f"C{i},2026-09-01T12:00:00+03:00" for i in range(10_000)]
    path.write_text("\n".join(["id,time", *rows, ""]), encoding="utf-8")
    compiled = compile_mapping(parse_mapping(MAPPING, name="batches.yml"))
    processor = kind(compiled, run_id="run", seen=datetime(2026, 11, 1, tzinfo=UTC))
    batches = list(_batches(DelimitedReader(path), processor, 0, 2_000, total=10_000))
    sizes = [out.records for out, _done in batches]
    assert sizes[:3] == [2_000, 2_000, 2_000]
    assert sizes[3:] == sorted(sizes[3:], reverse=True)
    assert sizes[-2] <= 200  # the writer is left a small batch at the end
    assert sum(sizes) == 10_000
    assert [done for _out, done in batches] == [sum(sizes[: i + 1]) for i in range(len(sizes))]
    ids = [row[0] for out, _done in batches for row in out.events["crossing"]]
    assert len(ids) == len(set(ids)) == 10_000
