"""Compile a validated mapping against the installed model and the event tables.

Compilation checks what pydantic cannot (schemata and properties exist in the FtM model, event
tables and columns exist) and turns each value spec into functions, so that processing a
record does no dictionary walking over the YAML structure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, Integer, Table

from pasienis.ingest.errors import MappingError
from pasienis.ingest.mapping import Condition, LoadedMapping, ValueSpec
from pasienis.ingest.readers.base import ReadPlan
from pasienis.ingest.suggest import did_you_mean
from pasienis.ingest.transforms import StrFn, compile_transform
from pasienis.model import format_names
from pasienis.model.events import EVENT_TABLES, FILLED_COLUMNS
from pasienis.store.types import UTCDateTime

Fields = dict[str, Any]
Ids = dict[str, str]
Getter = Callable[[Fields, Ids], list[str]]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    text = str(value).strip()
    return [text] if text else []


def _getter(spec: ValueSpec) -> Getter:
    if spec.column is not None:
        col = spec.column
        return lambda f, _i: _as_list(f.get(col))
    if spec.columns is not None:
        cols, sep = spec.columns, spec.join
        return lambda f, _i: _as_list(sep.join(v for c in cols for v in _as_list(f.get(c))) or None)
    if spec.coalesce is not None:
        cols = spec.coalesce

        def first(f: Fields, _i: Ids) -> list[str]:
            for c in cols:
                if found := _as_list(f.get(c)):
                    return found
            return []

        return first
    if spec.constant is not None:
        const = [spec.constant]
        return lambda _f, _i: const
    ref = spec.entity
    return lambda _f, i: [i[ref]] if ref in i else []


@dataclass(slots=True)
class CValue:
    """A compiled value: where it is read, its transforms, its checks."""

    label: str
    get: Getter
    transforms: list[StrFn]
    fmt: str | None
    required: bool
    timezone: str | None
    is_ref: bool


def compile_value(spec: ValueSpec, label: str, lookups: dict[str, dict[str, str]]) -> CValue:
    fns = [compile_transform(name, arg, lookups) for name, arg in spec.transforms]
    source = spec.column or spec.entity or (spec.columns or spec.coalesce or ["constant"])[0]
    return CValue(
        label=f"{label} ({source})",
        get=_getter(spec),
        transforms=fns,
        fmt=spec.format,
        required=spec.required,
        timezone=spec.timezone,
        is_ref=spec.entity is not None,
    )


def compile_condition(cond: Condition | None) -> Callable[[Fields], bool] | None:
    if cond is None:
        return None
    col = cond.column
    if cond.equals is not None:
        target = cond.equals
        return lambda f: target in _as_list(f.get(col))
    if cond.any_of is not None:
        allowed = set(cond.any_of)
        return lambda f: bool(allowed.intersection(_as_list(f.get(col))))
    want = cond.present is not False
    return lambda f: bool(_as_list(f.get(col))) == want


@dataclass(slots=True)
class CEntity:
    name: str
    schema: str
    namespace: str
    key: list[CValue]
    props: list[tuple[str, str, CValue]]  # (prop, prop type, value)
    required: frozenset[str]
    when: Callable[[Fields], bool] | None
    each: str | None
    ref_only: bool
    #: A property value that does not validate quarantines the record (else only the value).
    record_on_invalid: bool = False


@dataclass(slots=True)
class CEvent:
    name: str
    table: Table
    namespace: str
    key: list[CValue]
    columns: list[tuple[str, str, CValue]]  # (column, kind, value); kind: time/float/int/text
    not_null: frozenset[str]
    attributes: list[str]
    when: Callable[[Fields], bool] | None
    each: str | None

    @property
    def column_names(self) -> tuple[str, ...]:
        return (
            "id",
            "dataset",
            "locator",
            "run_id",
            "attributes",
            *(c for c, _k, _v in self.columns),
        )


@dataclass
class CompiledMapping:
    loaded: LoadedMapping
    entities: list[CEntity]
    events: list[CEvent]
    plan: ReadPlan
    groups: list[str] = field(default_factory=list)

    @property
    def dataset(self) -> str:
        return self.loaded.mapping.dataset


def _kind(table: Table, column: str) -> str:
    col_type = table.c[column].type
    if isinstance(col_type, UTCDateTime):
        return "time"
    if isinstance(col_type, Float):
        return "float"
    if isinstance(col_type, Integer):
        return "int"
    return "text"


#: Problems found while compiling: (YAML path, message), reported as ``file:line: message``.
Problems = list[tuple[tuple[Any, ...], str]]


def _check_formats(path: tuple[Any, ...], values: dict[str, ValueSpec], problems: Problems) -> None:
    names = format_names()
    for key, value in values.items():
        if value.format is not None and value.format not in names:
            hint = did_you_mean(value.format, names) or f" (known: {', '.join(names)})"
            problems.append(((*path, key, "format"), f"unknown format {value.format!r}{hint}"))


def _entity(name: str, spec: Any, m: Any, problems: Problems) -> CEntity | None:
    from followthemoney.model import Model

    dataset, lookups = m.dataset, m.lookups
    model = Model.instance()
    schema = model.get(spec.schema_)
    if schema is None:
        hint = did_you_mean(spec.schema_, model.schemata)
        problems.append((("entities", name, "schema"), f"unknown schema {spec.schema_!r}{hint}"))
        return None
    props = []
    for prop_name, value in spec.properties.items():
        prop = schema.get(prop_name)
        if prop is None:
            hint = did_you_mean(prop_name, schema.properties) or (
                f" (see `pasienis schema show {schema.name}`)"
            )
            problems.append(
                (("entities", name, "properties", prop_name),
                 f"schema {schema.name} has no property {prop_name!r}{hint}")
            )  # fmt: skip
            continue
        props.append(
            (prop_name, prop.type.name, compile_value(value, f"{name}.{prop_name}", lookups))
        )
    _check_formats(("entities", name, "properties"), spec.properties, problems)
    missing = sorted(set(schema.required) - set(spec.properties))
    if missing and not spec.ref_only:
        problems.append(
            (("entities", name, "properties"),
             f"schema {schema.name} requires {', '.join(missing)}, which is not mapped: "
             "every entity would be dropped")
        )  # fmt: skip
    return CEntity(
        name=name,
        schema=schema.name,
        namespace=spec.key_namespace or f"{dataset}.{name}",
        key=[compile_value(k, f"{name} key", lookups) for k in spec.key],
        props=props,
        required=frozenset(schema.required),
        when=compile_condition(spec.when),
        each=spec.each,
        ref_only=spec.ref_only,
        record_on_invalid=(spec.on_invalid or m.on_invalid) == "record",
    )


def _event(name: str, spec: Any, m: Any, problems: Problems) -> CEvent | None:
    dataset, lookups = m.dataset, m.lookups
    table = EVENT_TABLES.get(spec.table)
    if table is None:
        hint = did_you_mean(spec.table, EVENT_TABLES) or f" (known: {', '.join(EVENT_TABLES)})"
        problems.append((("events", name, "table"), f"unknown table {spec.table!r}{hint}"))
        return None
    mappable = [c.name for c in table.columns if c.name not in FILLED_COLUMNS]
    columns = []
    for col, value in spec.columns.items():
        if col not in mappable:
            hint = did_you_mean(col, mappable) or f" (columns: {', '.join(mappable)})"
            problems.append(
                (("events", name, "columns", col),
                 f"table {table.name} has no mappable column {col!r}{hint}")
            )  # fmt: skip
            continue
        columns.append((col, _kind(table, col), compile_value(value, f"{name}.{col}", lookups)))
    _check_formats(("events", name, "columns"), spec.columns, problems)
    mapped = {c for c, _k, _v in columns}
    filled = FILLED_COLUMNS | mapped
    missing = [c.name for c in table.columns if not c.nullable and c.name not in filled]
    if missing:
        problems.append(
            (("events", name, "columns"), f"table {table.name} needs columns {missing}")
        )
    return CEvent(
        name=name,
        table=table,
        namespace=spec.key_namespace or f"{dataset}.{name}",
        key=[compile_value(k, f"{name} key", lookups) for k in spec.key],
        columns=columns,
        not_null=frozenset(c.name for c in table.columns if not c.nullable),
        attributes=spec.attributes,
        when=compile_condition(spec.when),
        each=spec.each,
    )


def _read_plan(loaded: LoadedMapping) -> ReadPlan:
    m = loaded.mapping
    top: set[str] = set()
    groups: dict[str, set[str]] = {}
    specs = [(e.each, [*e.key, *e.properties.values()], e.when) for e in m.entities.values()]
    specs += [(e.each, [*e.key, *e.columns.values()], e.when) for e in m.events.values()]
    for each, values, when in specs:
        target = top if each is None else groups.setdefault(each, set())
        for v in values:
            target.update(v.source_fields())
        if when is not None:
            target.add(when.column)
    for e in m.events.values():
        (top if e.each is None else groups.setdefault(e.each, set())).update(e.attributes)
    return ReadPlan(
        fields=tuple(sorted(top)), groups={g: tuple(sorted(f)) for g, f in groups.items()}
    )


def compile_mapping(loaded: LoadedMapping) -> CompiledMapping:
    """Check the mapping against the model and tables; raise :class:`MappingError` listing all."""
    m = loaded.mapping
    problems: Problems = []
    entities = [e for n, s in m.entities.items() if (e := _entity(n, s, m, problems))]
    events = [e for n, s in m.events.items() if (e := _event(n, s, m, problems))]
    if not entities and not events and m.source.format != "ftm":
        problems.append(((), "the mapping makes no entities and no events"))
    if problems:
        raise MappingError(
            "invalid mapping:\n"
            + "\n".join(f"{loaded.where(*path)}: {message}" for path, message in problems),
            hint="see docs/mappings.md for schemata and tables",
        )
    plan = _read_plan(loaded)
    return CompiledMapping(
        loaded=loaded, entities=entities, events=events, plan=plan, groups=sorted(plan.groups)
    )


#: A source field a mapping reads: (field, the ``each`` group it is read in or None, YAML path).
Reference = tuple[str, str | None, tuple[Any, ...]]


def _value_refs(spec: ValueSpec, each: str | None, path: tuple[Any, ...]) -> list[Reference]:
    return [(f, each, path) for f in spec.source_fields()]


def references(loaded: LoadedMapping) -> list[Reference]:
    """Every source field (column, XPath, JSON path) the mapping reads, with where it is
    written, so a check against the real file can name the mapping's line."""
    m = loaded.mapping
    found: list[Reference] = []
    for kind, name, spec, values in [
        *(("entities", n, e, e.properties) for n, e in m.entities.items()),
        *(("events", n, e, e.columns) for n, e in m.events.items()),
    ]:
        section = "properties" if kind == "entities" else "columns"
        for i, key in enumerate(spec.key):
            found += _value_refs(key, spec.each, (kind, name, "key", i))
        for prop, value in values.items():
            found += _value_refs(value, spec.each, (kind, name, section, prop))
        if spec.when is not None:
            found.append((spec.when.column, spec.each, (kind, name, "when", "column")))
        for attribute in getattr(spec, "attributes", []):
            found.append((attribute, spec.each, (kind, name, "attributes")))
    return found
