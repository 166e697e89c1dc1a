"""Column-wise processing of delimited rows gives exactly what record-by-record processing gives.

``FlatProcessor.process_rows`` is the fast path of every CSV import; ``process_vector`` is the
reference. Both run over the same rows (scenario files and a file made to hit every branch:
problems, conditions, references, attributes, repeated keys) and must produce the same
statements, events, quarantine entries and counts, in the same order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pasienis.ingest import load_mapping, parse_mapping
from pasienis.ingest.compile import compile_mapping
from pasienis.ingest.flat import FlatProcessor
from pasienis.ingest.mapping import LoadedMapping
from pasienis.ingest.mappings.scenario import FOLDER, SCENARIO_FILES
from pasienis.ingest.pipeline import Output
from pasienis.ingest.readers.delimited import DelimitedReader

SEEN = datetime(2026, 11, 1, tzinfo=UTC)

EDGE_MAPPING = """
dataset: edge
source: {format: csv}
entities:
  owner:
    schema: Person
    key: [owner_name, owner_birth]
    properties:
      name: owner_name
      birthDate: {column: owner_birth, transforms: [{date: ["%d.%m.%Y", "%Y-%m-%d"]}]}
  company:
    schema: Company
    when: {column: company_code, present: true}
    key: [company_code]
    properties: {name: company_name, registrationNumber: company_code}
  vehicle:
    schema: Vehicle
    key: [{column: plate, transforms: [plate]}]
    properties: {registrationNumber: {column: plate, transforms: [plate], format: plate}}
  link:
    schema: Ownership
    key: [plate, owner_name]
    properties: {owner: {entity: owner}, asset: {entity: vehicle}}
events:
  crossing:
    table: border_crossings
    key: [crossing_id]
    columns:
      occurred_at: {column: time, timezone: Europe/Vilnius}
      lat: lat
      lon: lon
      direction: direction
      person_id: {entity: owner}
      vehicle_id: {entity: vehicle}
    attributes: [note]
  flagged:
    table: violations
    when: {column: flag, equals: "yes"}
    key: [crossing_id, plate]
    columns:
      occurred_at: {column: time, timezone: Europe/Vilnius}
      category: {constant: other}
      vehicle_id: {entity: vehicle}
"""

HEADER = (
    "crossing_id,owner_name,owner_birth,company_code,company_name,plate,time,lat,lon,direction,"
    "note,flag"
)


def _edge_rows() -> list[str]:
    """2,000 rows repeating a few people and plates (so most rows take the fast path), with
    problems, empty values and repeated keys sprinkled in."""
    people = [
        ("Jonas Jonaitis", "01.02.1970"),
        ("Olga Volkova", "1981-05-06"),
    ]
    bad_date = ("Bad Date", "31.31.1999")
    plates = ["ABC 123", "АВС 123", "XYZ-999", "", "KLM 456"]
    lines = []
    for i in range(2000):
        name, birth = people[i % 2] if i % 97 else ("", "")
        if i % 61 == 0:
            name, birth = bad_date
        company = ("302801462", "UAB Pavyzdys") if i % 5 == 0 else ("", "")
        plate = plates[i % 5]
        time = f"2026-09-0{1 + i % 3}T1{i % 2}:00:00" if i % 89 else "not a time"
        lat = "54.4" if i % 83 else "north"
        key = f"X{i % 1900}"  # repeated keys: the first row of a key wins
        note = f"note {i % 4}" if i % 3 == 0 else ""
        flag = "yes" if i % 4 == 0 else "no"
        lines.append(
            f"{key},{name},{birth},{company[0]},{company[1]},{plate},{time},{lat},25.7,entry,{note},{flag}"
        )
    return lines


class _Counting(FlatProcessor):
    """Counts records that took the record-by-record path."""

    one_by_one = 0

    def process_vector(self, *args: Any, **kwargs: Any) -> None:
        self.one_by_one += 1
        super().process_vector(*args, **kwargs)


def _run(mapping: LoadedMapping, path: Path, *, chunks: int | None) -> tuple[Output, int]:
    processor = _Counting(compile_mapping(mapping), run_id="run", seen=SEEN)
    reader = DelimitedReader(path)
    processor.header = reader.header()
    processor.name = reader.name
    out = Output()
    items: list[Any] = []
    for item in reader.rows():
        if type(item) is not tuple:
            processor.process(item, out)
            continue
        if chunks is None:
            processor.process_vector(
                processor._to_vector(item[2]), f"{reader.name}:{item[1]}", out, item
            )
        else:
            items.append(item)
            if len(items) == chunks:
                processor.process_rows(items, out)
                items = []
    if items:
        processor.process_rows(items, out)
    return out, processor.one_by_one


def _same(a: Output, b: Output) -> None:
    assert a.statements == b.statements
    assert a.events == b.events
    assert [(r.locator, p.field, p.value, p.reason) for r, p in a.quarantine] == [
        (r.locator, p.field, p.value, p.reason) for r, p in b.quarantine
    ]
    assert (a.records, a.entities) == (b.records, b.entities)


@pytest.mark.parametrize("chunk", [1, 7, 300])
def test_edge_file_same_both_ways(tmp_path: Path, chunk: int) -> None:
    path = tmp_path / "edge.csv"
    path.write_text("\n".join([HEADER, *_edge_rows(), ""]), encoding="utf-8")
    mapping = parse_mapping(EDGE_MAPPING, name="edge.yml")
    reference, _all = _run(mapping, path, chunks=None)
    # The file hits what it was made for: problems, repeated keys, both conditions.
    reasons = {p.field for _r, p in reference.quarantine}
    assert {
        "owner.birthDate (owner_birth)",
        "crossing.occurred_at (time)",
        "crossing.lat (lat)",
    } <= reasons
    assert 0 < len(reference.events["flagged"]) < len(reference.events["crossing"])
    assert any(row[4] for row in reference.events["crossing"])  # attributes
    chunked, one_by_one = _run(mapping, path, chunks=chunk)
    _same(reference, chunked)
    if chunk > 1:
        assert one_by_one < reference.records / 2  # the column-wise path did most rows


def test_scenario_csv_files_same_both_ways(scenario_dir: Path) -> None:
    checked = 0
    for file_name, mapping_name in SCENARIO_FILES:
        if not file_name.endswith(".csv"):
            continue
        mapping = load_mapping(FOLDER / mapping_name)
        reference, _all = _run(mapping, scenario_dir / file_name, chunks=None)
        assert reference.records > 0
        _same(reference, _run(mapping, scenario_dir / file_name, chunks=500)[0])
        checked += 1
    assert checked >= 3


def test_list_values_from_json_take_the_uncached_path(tmp_path: Path) -> None:
    """JSON (and repeated XML elements) give lists: not hashable, so not cached, but imported
    exactly as the general processor imports them."""
    import json

    from pasienis.ingest.pipeline import Processor
    from pasienis.ingest.sources import open_reader

    mapping = parse_mapping(
        "dataset: jj\nsource: {format: jsonl}\nentities:\n"
        "  person: {schema: Person, key: [id], properties: {name: names}}\n",
        name="j.yml",
    )
    source = tmp_path / "people.jsonl"
    records = [{"id": "1", "names": ["Jonas", "Jonaitis"]}, {"id": "1", "names": ["Jonas"]}]
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    compiled = compile_mapping(mapping)
    outs = []
    for cls in (Processor, FlatProcessor):
        processor = cls(compiled, run_id="run", seen=SEEN)
        out = Output()
        for record in open_reader(source, "jsonl", compiled, "people.jsonl").records():
            processor.process(record, out)
        outs.append(out)
    assert sorted(outs[0].statements) == sorted(outs[1].statements)
    # The second record states id and Jonas again (same statement ids: an upsert).
    assert len(outs[1].statements) == 5
    assert len({row[0] for row in outs[1].statements}) == 3  # id, Jonas, Jonaitis


TIME_MAPPING = """
dataset: times
source: {format: csv}
events:
  crossing:
    table: border_crossings
    key: [id]
    columns:
      occurred_at: {column: time, timezone: Europe/Vilnius}
"""
TIMES = [
    "2026-09-01T12:00:02+03:00", "2026-09-01T12:00:02Z", " 2026-09-01T12:00:02.5-04:30 ",
    "2026-09-01 12:00:02+00:00", "2026-03-29T03:30:00", "2026-09-01", "20260901T120002+0300",
    "2026-13-01T12:00:00+03:00", "not a time at all", "", "2026-09-01T24:00:00+03:00",
    "0999-01-01T00:00:00+01:00", "2026-10-25T03:30:00", "2026-12-31T23:59:59-01:00",
    "2026-W36-2T12:00:02+03:00", "2026-09-01T12:00:02+05:30", "2026-09-01X12:00:02+03:00",
    "2026-01-01T00:30:00+01:00",
]  # fmt: skip


@pytest.mark.parametrize("bind", [None, "sqlite", "postgresql"])
def test_times_in_every_form_as_the_general_processor_makes_them(
    tmp_path: Path, bind: str | None
) -> None:
    """Event times take a fast path in flat imports (ISO text with an offset, parsed and bound
    uncached); every other form takes the general path. Both give what the general processor
    gives, bound to either engine's form or left as datetimes, problems included."""
    from pasienis.ingest.pipeline import Processor
    from pasienis.store.dialects import dialect_for

    path = tmp_path / "times.csv"
    lines = [f"T{i},{TIMES[i % len(TIMES)]}" for i in range(3 * len(TIMES))]
    path.write_text("\n".join(["id,time", *lines, ""]), encoding="utf-8")
    compiled = compile_mapping(parse_mapping(TIME_MAPPING, name="times.yml"))
    bind_time = dialect_for(bind).bind_datetime if bind else None
    general = Processor(compiled, run_id="run", seen=SEEN, bind_time=bind_time)
    reference = general.new_output()
    for record in DelimitedReader(path).records():
        general.process(record, reference)
    assert reference.bound is (bind is not None)
    times = {row[5] for row in reference.events["crossing"]}
    assert len(times) == 10  # fifteen valid spellings of ten instants
    assert len(reference.quarantine) == 3 * 4
    for chunks in (None, 5):
        processor = FlatProcessor(compiled, run_id="run", seen=SEEN, bind_time=bind_time)
        reader = DelimitedReader(path)
        processor.header, processor.name = reader.header(), reader.name
        out = processor.new_output()
        items = [item for item in reader.rows() if type(item) is tuple]
        if chunks is None:
            for item in items:
                processor.process_vector(
                    processor._to_vector(item[2]), f"{reader.name}:{item[1]}", out, item
                )
        else:
            for start in range(0, len(items), chunks):
                processor.process_rows(items[start : start + chunks], out)
        _same(reference, out)


RIDER_MAPPING = """
dataset: riders
source: {format: csv}
entities:
  person:
    schema: Person
    key: [name, born, doc]
    properties: {name: name, birthDate: born, nationality: nat}
  passport:
    schema: Passport
    on_invalid: record
    key: [nat, doc]
    properties: {number: doc, country: nat, holder: {entity: person}}
  vehicle:
    schema: Vehicle
    key: [{column: plate, transforms: [plate]}]
    properties: {registrationNumber: {column: plate, transforms: [plate]}}
events:
  crossing:
    table: border_crossings
    key: [id]
    columns:
      occurred_at: time
      person_id: {entity: person}
      document_id: {entity: passport}
      vehicle_id: {entity: vehicle}
"""


def test_a_passport_riding_on_its_holder_gives_what_the_general_processor_gives(
    tmp_path: Path,
) -> None:
    """The passport's outcome is decided by the person's raw values, so its id rides in the
    person's ``done`` entries. Repeated people, people without a passport number, invalid
    countries (quarantined, again and again), and a person whose passport changes country."""
    from pasienis.ingest.pipeline import Processor

    people = [
        ("Jonas Jonaitis", "1970-02-01", "LT", "12345678"),
        ("Olga Volkova", "1981-05-06", "RU", ""),
        ("Bad Country", "1990-01-01", "XX", "87654321"),
        ("Jonas Jonaitis", "1970-02-01", "PL", "12345678"),
        *((f"Asta Novik {k}", "1975-04-19", "BY", f"5555555{k}") for k in range(6)),
    ]
    lines = []
    for i in range(1_500):
        name, born, nat, doc = people[i % 10]
        lines.append(f"X{i},{name},{born},{nat},{doc},ABC {i % 13:03d},2026-09-01T12:00:00Z")
    path = tmp_path / "riders.csv"
    path.write_text("\n".join(["id,name,born,nat,doc,plate,time", *lines, ""]), encoding="utf-8")
    mapping = parse_mapping(RIDER_MAPPING, name="riders.yml")
    flat = _Counting(compile_mapping(mapping), run_id="run", seen=SEEN)
    plans = {p.name: p for p in flat.entity_plans}
    assert plans["person"].rider is plans["passport"]  # the pairing under test
    assert plans["vehicle"].carried_by is None
    reference, _all = _run(mapping, path, chunks=None)
    chunked, one_by_one = _run(mapping, path, chunks=250)
    _same(reference, chunked)
    # Done hits, passports riding on people, for all but the bad country, the passport
    # without a number (both never done) and the first chunk (the caches start empty).
    assert one_by_one == 2 * 150 + 200
    general = Processor(compile_mapping(mapping), run_id="run", seen=SEEN)
    out = Output()
    for record in DelimitedReader(path).records():
        general.process(record, out)
    assert sorted(out.statements) == sorted(reference.statements)
    assert out.events == reference.events
    assert [(r.locator, p.reason) for r, p in out.quarantine] == [
        (r.locator, p.reason) for r, p in reference.quarantine
    ]
    assert len(reference.quarantine) == 150  # every record of the bad country


def test_edge_file_same_as_the_general_processor(tmp_path: Path) -> None:
    """Values quarantined on their own (bad dates, a plate format) and record problems
    (times, numbers) give the same rows and entries on the general path as on the flat one."""
    from pasienis.ingest.pipeline import Processor

    path = tmp_path / "edge.csv"
    path.write_text("\n".join([HEADER, *_edge_rows(), ""]), encoding="utf-8")
    mapping = parse_mapping(EDGE_MAPPING, name="edge.yml")
    flat, _n = _run(mapping, path, chunks=300)
    general = Processor(compile_mapping(mapping), run_id="run", seen=SEEN)
    out = Output()
    for record in DelimitedReader(path).records():
        general.process(record, out)
    assert sorted(out.statements) == sorted(flat.statements)
    assert out.events == flat.events
    entries = [(r.locator, p.kind, p.entity_id, p.prop, p.summary()) for r, p in out.quarantine]
    assert entries == [
        (r.locator, p.kind, p.entity_id, p.prop, p.summary()) for r, p in flat.quarantine
    ]
    assert {p.kind for _r, p in out.quarantine} == {"record", "value"}
    assert (out.records, out.entities) == (flat.records, flat.entities)
