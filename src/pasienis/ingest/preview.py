"""``mapping check`` and ``mapping preview``: a mapping tried on the real file, nothing written.

Check compiles the mapping (schemata, properties, tables, formats: each problem with its file,
line and "did you mean") and checks it against the file (:mod:`.checks`). Preview then maps
the first records with the general processor — the one definition of what a mapping means —
and shows the entities (folded from their statements), the events and the quarantine entries
each record would become.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from pasienis.ingest.checks import DEFAULT_SAMPLE, SourceCheck, check_source
from pasienis.ingest.compile import CompiledMapping, compile_mapping
from pasienis.ingest.errors import MappingError, SourceError
from pasienis.ingest.mapping import LoadedMapping, detect_format
from pasienis.ingest.pipeline import Output, Processor
from pasienis.ingest.sources import open_reader
from pasienis.model.models import STATEMENT_COLUMNS

_ENTITY, _SCHEMA, _PROP, _VALUE, _ORIGINAL = (
    STATEMENT_COLUMNS.index(c) for c in ("entity_id", "schema", "prop", "value", "original_value")
)


def check_mapping(
    loaded: LoadedMapping, path: Path, *, name: str | None = None, sample: int = DEFAULT_SAMPLE
) -> dict[str, Any]:
    """Everything wrong with ``loaded`` for ``path``: ``{"ok", "problems", "warnings", ...}``.

    Raises nothing for a mapping that does not fit (that is the answer); a mapping that does
    not compile is reported the same way, with its file:line problems."""
    name = name or Path(path).name
    try:
        compiled = compile_mapping(loaded)
        fmt = detect_format(Path(path), loaded.mapping.source.format)
    except MappingError as exc:
        return {"ok": False, "problems": exc.message.splitlines()[1:] or [exc.message],
                "warnings": [], "fields": [], "sampled": 0}  # fmt: skip
    try:
        found = check_source(compiled, Path(path), fmt, name, sample=sample)
    except (MappingError, SourceError) as exc:  # the file cannot be read as the mapping says
        return {"ok": False, "problems": [exc.message], "warnings": [], "fields": [],
                "sampled": 0}  # fmt: skip
    return {"ok": not found.problems, **found.to_dict()}


def preview_mapping(
    loaded: LoadedMapping, path: Path, *, rows: int = 20, name: str | None = None
) -> dict[str, Any]:
    """The first ``rows`` records of ``path`` as the entities, events and quarantine entries
    they would become, and the check's findings; nothing is written."""
    name = name or Path(path).name
    report = check_mapping(loaded, path, name=name)
    if report["problems"]:
        return {**report, "records": []}
    compiled = compile_mapping(loaded)
    fmt = detect_format(Path(path), loaded.mapping.source.format)
    return {**report, "records": _records(compiled, Path(path), fmt, name, rows)}


def _records(
    compiled: CompiledMapping, path: Path, fmt: str, name: str, rows: int
) -> list[dict[str, Any]]:
    reader = open_reader(path, fmt, compiled, name)
    processor = Processor(compiled, run_id="preview", seen=datetime.now(UTC))
    columns = {e.name: e.column_names for e in compiled.events}
    tables = {e.name: e.table.name for e in compiled.events}
    shown = []
    for record in islice(reader.records(), rows):
        out = Output()
        processor.process(record, out)
        shown.append({
            "locator": record.locator,
            "entities": _entities(out),
            "events": [
                {"table": tables[event], **_event(columns[event], row)}
                for event, made in out.events.items() for row in made
            ],
            "quarantine": [_problem(problem) for _record, problem in out.quarantine],
        })  # fmt: skip
    return shown


def _entities(out: Output) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for row in out.statements:
        entity = found.setdefault(
            row[_ENTITY], {"id": row[_ENTITY], "schema": row[_SCHEMA], "properties": {}}
        )
        if row[_PROP] != "id":
            entity["properties"].setdefault(row[_PROP], []).append(row[_VALUE])
    return list(found.values())


def _event(names: tuple[str, ...], row: tuple[Any, ...]) -> dict[str, Any]:
    skip = {"dataset", "locator", "run_id"}
    return {
        n: v.isoformat() if isinstance(v, datetime) else v
        for n, v in zip(names, row, strict=True)
        if n not in skip and v is not None
    }


def _problem(problem: Any) -> dict[str, Any]:
    field, value, reason = problem.summary()
    return {"kind": problem.kind, "field": field, "value": value, "reason": reason,
            "entity_id": problem.entity_id, "prop": problem.prop}  # fmt: skip


__all__ = ["SourceCheck", "check_mapping", "preview_mapping"]
