"""Property-based: the general processor, the flat record path and the column-wise path give
the same rows and quarantine entries for random records, in the configuration production
uses (rows bound for the store, ids made by the writer), whatever the caches hold: the same
bad value of an entity on several rows is quarantined once per row on every path, and a cache
of one entry gives what the default gives."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pasienis.ingest import parse_mapping
from pasienis.ingest.compile import compile_mapping
from pasienis.ingest.flat import FlatProcessor
from pasienis.ingest.pipeline import CACHE_LIMIT, Output, Processor
from pasienis.ingest.readers.delimited import DelimitedReader
from pasienis.ingest.rows import EventTarget, with_statement_ids
from pasienis.ingest.service import _batches
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
#: The divergence of the first wave: a vehicle with a bad plate on two rows, the first of
#: which drops its person (no name): one entry on the general path, two on the flat ones.
BAD_PLATE_TWICE = [
    {"id": "X1", "name": "", "born": "01.02.1970", "phone": "", "plate": "!!",
     "time": "2026-09-01T10:00:00+03:00", "lat": "54.4"},
    {"id": "X2", "name": "Jonas", "born": "01.02.1970", "phone": "", "plate": "!!",
     "time": "2026-09-01T10:00:00+03:00", "lat": "54.4"},
]  # fmt: skip
#: Two people whose raw values join to the same text (a value holding the separator of the
#: flat paths' joined cache keys, ``flat_plans.joined``): two people on every path.
SEPARATOR_IN_VALUES = [
    {"id": "X1", "name": "Ona\x1f", "born": "01.02.1970", "phone": "", "plate": "ABC 123",
     "time": "2026-09-01T10:00:00+03:00", "lat": "54.4"},
    {"id": "X2", "name": "Ona", "born": "\x1f01.02.1970", "phone": "", "plate": "ABC 123",
     "time": "2026-09-01T10:00:00+03:00", "lat": "54.4"},
    {"id": "X3", "name": "Ona", "born": "\x1f01.02.1970", "phone": "", "plate": "ABC 123",
     "time": "2026-09-01T10:00:00+03:00", "lat": "54.4"},
]  # fmt: skip


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


def _general(path: Path, bind: Any, cache: int = CACHE_LIMIT) -> Output:
    processor = Processor(compile_mapping(parse_mapping(MAPPING, name="a.yml")),
                          run_id="run", seen=SEEN, bind_time=bind, cache_entries=cache)  # fmt: skip
    out = processor.new_output()
    for record in DelimitedReader(path).records():
        processor.process(record, out)
    return out


def _flat(path: Path, chunk: int | None, bind: Any, cache: int = CACHE_LIMIT) -> Output:
    """The flat record path (``chunk`` None), or the import's own batching (``_batches``, as
    ``run_import`` calls it: the column-wise path in chunks of ``chunk`` records)."""
    processor = FlatProcessor(compile_mapping(parse_mapping(MAPPING, name="a.yml")),
                              run_id="run", seen=SEEN, bind_time=bind,
                              cache_entries=cache)  # fmt: skip
    reader = DelimitedReader(path)
    if chunk is not None:
        return _merged(processor.new_output(), _batches(reader, processor, 0, chunk))
    processor.header, processor.name = reader.header(), reader.name
    out = processor.new_output()
    for item in reader.rows():
        assert type(item) is tuple  # the generated files have no broken lines
        vector = processor._to_vector(item[2])
        processor.process_vector(vector, f"{reader.name}:{item[1]}", out, item)
    return out


def _merged(out: Output, batches: Iterator[tuple[Output, int]]) -> Output:
    for batch, _done in batches:
        out.statements.extend(batch.statements)
        for name, rows in batch.events.items():
            out.events.setdefault(name, []).extend(rows)
        out.quarantine.extend(batch.quarantine)
        out.records += batch.records
        out.entities += batch.entities
    return out


def _ids(out: Output) -> tuple[list[str], dict[str, list[str]]]:
    """Statement and event ids as stored: made by the writer where the batch leaves them to
    it (``Output.writer_ids``, as imports run), else as the processor made them."""
    compiled = compile_mapping(parse_mapping(MAPPING, name="a.yml"))
    targets = {e.name: EventTarget.of(e) for e in compiled.events}
    statements = with_statement_ids(out.statements) if out.writer_ids else out.statements
    events = {
        name: [row[0] for row in (targets[name].with_ids(rows) if out.writer_ids else rows)]
        for name, rows in out.events.items()
    }
    return sorted(row[0] for row in statements), events


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(ROW, min_size=1, max_size=30),
    chunk=st.sampled_from([1, 3, 16]),
    cache=st.sampled_from([1, 2, 5]),
)
@example(rows=BAD_PLATE_TWICE, chunk=16, cache=5)
@example(rows=SEPARATOR_IN_VALUES, chunk=16, cache=5)
def test_every_path_gives_the_same_result(
    sqlite_store: Store, tmp_path: Path, rows: list[dict[str, str]], chunk: int, cache: int
) -> None:
    """With the SQLite store's own time binding, as imports run (``Store.bind_datetime``)."""
    bind = sqlite_store.bind_datetime
    path = _write(rows, tmp_path)
    general = _general(path, bind)
    vector, chunked = _flat(path, None, bind), _flat(path, chunk, bind)
    # The ids the writer makes from bound rows are those the processor makes unbound (one
    # formula each: FtM's statement key, event_id).
    assert _ids(general) == _ids(_general(path, None))
    statement_ids, event_ids, kinds = _ids_switching_between_batches(path, bind, chunk)
    assert (statement_ids, event_ids) == _ids(_general(path, None))
    if len(rows) > 3 * chunk:
        assert kinds == {True, False}  # both made ids here
    for out in (vector, chunked):
        assert sorted(map(repr, out.statements)) == sorted(map(repr, general.statements))
        assert out.events == general.events
        assert _entries(out) == _entries(general)
        assert (out.records, out.entities) == (general.records, general.entities)
    # Caches of a few entries: an evicted entity is written again (an upsert the store
    # ignores, so its first row stands), and nothing else changes.
    for out in (
        _general(path, bind, cache),
        _flat(path, None, bind, cache),
        _flat(path, chunk, bind, cache),
    ):
        assert _stored(out) == _stored(general)
        assert out.events == general.events
        assert _entries(out) == _entries(general)
        assert out.records == general.records


def _ids_switching_between_batches(path: Path, bind: Any, chunk: int) -> tuple[Any, ...]:
    """The import's batching with the ids made by the writer and the processor in turn, as
    an import decides batch by batch (``Processor.ids_in_writer``): the ids stored."""
    processor = FlatProcessor(compile_mapping(parse_mapping(MAPPING, name="a.yml")),
                              run_id="run", seen=SEEN, bind_time=bind)  # fmt: skip
    kinds, statements, events = set(), [], {}
    for n, (batch, _done) in enumerate(_batches(DelimitedReader(path), processor, 0, chunk)):
        kinds.add(batch.writer_ids)
        batch_statements, batch_events = _ids(batch)
        statements += batch_statements
        for name, ids in batch_events.items():
            events.setdefault(name, []).extend(ids)
        processor.ids_in_writer = n % 2 == 1  # the next batch but one
    return sorted(statements), events, kinds


def _stored(out: Output) -> dict[tuple[Any, ...], str]:
    """What the store keeps: the first row of each statement key (entity, property, value)."""
    first: dict[tuple[Any, ...], str] = {}
    for row in out.statements:
        first.setdefault((row[1], row[3], row[5]), repr(row))
    return first


@st.composite
def mappings(draw: st.DrawFn) -> str:
    """A random flat mapping over :data:`FIELDS`: keys, transforms, formats, conditions,
    ``on_invalid``, relations, required values, event columns and attributes vary."""
    born = draw(
        st.sampled_from(
            [
                "born",
                '{column: born, transforms: [{date: ["%d.%m.%Y", "%Y-%m-%d"]}]}',
                None,
            ]
        )
    )
    person = {
        "key": draw(st.sampled_from(["[name, born]", "[name]", "[id, name]"])),
        "name": draw(
            st.sampled_from(
                ["name", "{column: name, required: true}", "{column: name, transforms: [upper]}"]
            )
        ),
        "born": born,
        "phone": draw(st.sampled_from(["phone", "{column: phone, format: phone}", None])),
        "when": draw(st.sampled_from([None, "{column: born, present: true}"])),
        "invalid": draw(st.sampled_from([None, "record"])),
    }
    plate = draw(st.sampled_from(["plate", "{column: plate, transforms: [plate]}"]))
    vehicle = draw(st.booleans())
    lines = [
        "dataset: agree",
        "source: {format: csv}",
        "entities:",
        "  person:",
        "    schema: Person",
        f"    key: {person['key']}",
    ]
    if person["when"]:
        lines.append(f"    when: {person['when']}")
    if person["invalid"]:
        lines.append(f"    on_invalid: {person['invalid']}")
    lines += ["    properties:", f"      name: {person['name']}"]
    lines += [
        f"      {p}: {person[k]}"
        for p, k in (("birthDate", "born"), ("phone", "phone"))
        if person[k]
    ]
    if vehicle:
        fmt = draw(st.sampled_from(["", ", format: plate"]))
        lines += [
            "  vehicle:",
            "    schema: Vehicle",
            f"    key: [{plate}]",
            "    properties:",
            f"      registrationNumber: {{column: plate, transforms: [plate]{fmt}}}",
        ]
        if draw(st.booleans()):
            lines += [
                "  link:",
                "    schema: Ownership",
                "    key: [plate, name]",
                "    properties: {owner: {entity: person}, asset: {entity: vehicle}}",
            ]
    if draw(st.booleans()):
        zone = draw(st.sampled_from(["time", "{column: time, timezone: Europe/Vilnius}"]))
        key = draw(st.sampled_from(["[id]", "[id, plate]", "[{column: id, required: true}]"]))
        lines += [
            "events:",
            "  crossing:",
            "    table: border_crossings",
            f"    key: {key}",
            "    columns:",
            f"      occurred_at: {zone}",
            "      person_id: {entity: person}",
        ]
        if draw(st.booleans()):
            lines.append("      lat: lat")
        if vehicle:
            lines.append("      vehicle_id: {entity: vehicle}")
        if draw(st.booleans()):
            lines.append("    attributes: [name, phone]")
        if draw(st.booleans()):
            lines.append("    when: {column: plate, present: true}")
    return "\n".join(lines) + "\n"


def _run(text: str, path: Path, bind: Any, chunk: int | None, *, flat: bool) -> Output:
    compiled = compile_mapping(parse_mapping(text, name="random.yml"))
    kind = FlatProcessor if flat else Processor
    processor = kind(compiled, run_id="run", seen=SEEN, bind_time=bind)
    if not flat:
        out = processor.new_output()
        for record in DelimitedReader(path).records():
            processor.process(record, out)
        return out
    assert isinstance(processor, FlatProcessor)
    reader = DelimitedReader(path)
    if chunk is not None:
        return _merged(processor.new_output(), _batches(reader, processor, 0, chunk))
    out = processor.new_output()
    for record in reader.records():
        processor.process(record, out)  # the flat record path from any reader's records
    return out


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mapping=mappings(),
    rows=st.lists(ROW, min_size=1, max_size=20),
    chunk=st.sampled_from([1, 4, 16]),
)
def test_random_mappings_give_the_same_result_on_every_path(
    sqlite_store: Store, tmp_path: Path, mapping: str, rows: list[dict[str, str]], chunk: int
) -> None:
    """Random mappings and records: the flat paths give what the general definition gives."""
    bind = sqlite_store.bind_datetime
    path = _write(rows, tmp_path)
    general = _run(mapping, path, bind, None, flat=False)
    for out in (
        _run(mapping, path, bind, None, flat=True),
        _run(mapping, path, bind, chunk, flat=True),
    ):
        assert sorted(map(repr, out.statements)) == sorted(map(repr, general.statements))
        assert out.events == general.events
        assert _entries(out) == _entries(general)
        assert (out.records, out.entities) == (general.records, general.entities)
