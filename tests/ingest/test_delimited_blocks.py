"""The CSV reader's blocks (whole chunks parsed at once) give the records the line-by-line
path gives: same indexes, lines, values and problems, whatever the file holds where a chunk
ends (a quoted line break, a blank line, a broken quote, a short row, an undecodable line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pasienis.ingest.readers import delimited
from pasienis.ingest.readers.delimited import DelimitedReader, RowBlock

PLAIN = st.from_regex(r"[A-Za-z0-9 ]{0,6}", fullmatch=True)
ODD_LINES = st.sampled_from(
    [
        "",  # blank line
        "   ",  # only spaces
        'q1,"two\nlines",x',  # a quoted line break
        'q2,"open quote,x',  # a quote never closed
        "short,row",  # too few fields
        "a,b,c,d",  # too many
        'q3,"say ""hi""",x',  # doubled quotes
        "\u0105\u017e,\u0161,\u0117",  # non-ASCII
    ]
)


def _normal(items: Any, header: list[str]) -> list[tuple[Any, ...]]:
    found = []
    for item in items:
        if type(item) is tuple:
            found.append((item[0], f"{item[1]}", dict(zip(header, item[2], strict=True)), None))
        else:
            found.append((item.index, item.locator.rsplit(":", 1)[1], item.fields, item.problem))
    return found


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        st.one_of(st.tuples(PLAIN, PLAIN, PLAIN).map(",".join), ODD_LINES), min_size=1, max_size=40
    ),
    chunk=st.integers(min_value=8, max_value=120),
    bad_byte=st.booleans(),
    final_newline=st.booleans(),
)
def test_blocks_give_what_the_line_by_line_path_gives(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lines: list[str],
    chunk: int,
    bad_byte: bool,
    final_newline: bool,
) -> None:
    monkeypatch.setattr(delimited, "CHUNK", chunk)  # many chunk ends in a small file
    body = "\n".join(["h1,h2,h3", *lines]) + ("\n" if final_newline else "")
    data = body.encode()
    if bad_byte:  # an undecodable line half-way
        cut = data.find(b"\n", len(data) // 2)
        if cut > 0:
            data = data[:cut] + b"\n\xff\xfe,x,y" + data[cut:]
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    reader = DelimitedReader(path, encoding="utf-8", delimiter=",")
    header = reader.header()
    reference = _normal(reader._slow_records(header, 1, 0), header)
    assert _normal(reader.rows(), header) == reference
    assert [r.index for r in reader.records()] == [r[0] for r in reference]


def test_a_plain_file_comes_in_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain rows come as blocks (no item per row), numbered on from the header's line."""
    monkeypatch.setattr(delimited, "CHUNK", 64)
    path = tmp_path / "f.csv"
    path.write_text("\n\nh1,h2\n" + "".join(f"a{i},b{i}\n" for i in range(50)), encoding="utf-8")
    items = list(DelimitedReader(path, encoding="utf-8", delimiter=",").blocks())
    assert items
    assert all(type(item) is RowBlock for item in items)
    assert (items[0].index, items[0].line) == (0, 4)
    flat = [(b.index + i, b.line + i, row) for b in items for i, row in enumerate(b.rows)]
    assert flat == [(i, 4 + i, [f"a{i}", f"b{i}"]) for i in range(50)]
