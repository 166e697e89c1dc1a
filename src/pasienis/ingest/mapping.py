"""Mapping files: YAML an administrator writes, validated at load with file:line messages.

A mapping says which records of a source to read, which entities (FtM schemata, relations
included) and which typed events each record becomes, how their ids are keyed and which
source fields feed which properties through which transforms. See docs/mappings.md.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from pasienis.ingest.errors import MappingError
from pasienis.ingest.suggest import did_you_mean
from pasienis.security import DATASET_NAME_PATTERN

FORMATS = ("csv", "tsv", "excel", "json", "jsonl", "xml", "ftm")
SIMPLE_TRANSFORMS = {
    "trim",
    "upper",
    "lower",
    "title",
    "plate",
    "plate_latin",
    "digits",
    "normalize_space",
}
ARG_TRANSFORMS = {
    "split", "regex", "replace", "lookup", "date", "strip_prefix", "default", "prefix", "id",
}  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: What a value that does not validate does: dropped from its entity and quarantined as a
#: value (the entity and its other values go in), or the whole record quarantined.
OnInvalid = Literal["value", "record"]


@cache
def time_zones() -> frozenset[str]:
    """IANA zone names known to this machine (zoneinfo with the tzdata package)."""
    from zoneinfo import available_timezones

    return frozenset(available_timezones())


def _transform(value: Any) -> Any:
    known = sorted(SIMPLE_TRANSFORMS | ARG_TRANSFORMS)
    if isinstance(value, str):
        if value not in SIMPLE_TRANSFORMS:
            hint = did_you_mean(value, known) or f" (known: {', '.join(known)})"
            raise ValueError(f"unknown transform {value!r}{hint}")
        return (value, None)
    if isinstance(value, dict) and len(value) == 1:
        name, arg = next(iter(value.items()))
        if name not in ARG_TRANSFORMS:
            hint = did_you_mean(name, sorted(ARG_TRANSFORMS)) or f" (known: {', '.join(known)})"
            raise ValueError(f"unknown transform {name!r} with an argument{hint}")
        return (name, arg)
    raise ValueError("a transform is a name (trim) or one name: argument pair (split: ';')")


Transform = Annotated[tuple[str, Any], BeforeValidator(_transform)]


class ValueSpec(_Strict):
    """Where one value comes from and how it is cleaned. A bare string means ``column``."""

    column: str | None = None
    columns: list[str] | None = Field(default=None, description="joined with `join`")
    coalesce: list[str] | None = Field(default=None, description="first non-empty column")
    constant: str | None = None
    entity: str | None = Field(default=None, description="id of another entity of the record")
    join: str = " "
    transforms: list[Transform] = Field(default_factory=list)
    format: str | None = Field(default=None, description="identifier format to validate")
    required: bool = Field(default=False, description="quarantine the record when empty")
    timezone: str | None = Field(default=None, description="for times written without offset")

    @model_validator(mode="after")
    def _one_source(self) -> ValueSpec:
        given = [
            k
            for k in ("column", "columns", "coalesce", "constant", "entity")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError("give exactly one of column, columns, coalesce, constant, entity")
        if self.timezone is not None and self.timezone not in time_zones():
            hint = did_you_mean(self.timezone, time_zones()) or " (an IANA name: Europe/Vilnius)"
            raise ValueError(f"unknown time zone {self.timezone!r}{hint}")
        return self

    def source_fields(self) -> list[str]:
        """Source field names/paths this value reads."""
        return [*(filter(None, [self.column])), *(self.columns or []), *(self.coalesce or [])]


def _value(value: Any) -> Any:
    return {"column": value} if isinstance(value, str) else value


Value = Annotated[ValueSpec, BeforeValidator(_value)]


class Condition(_Strict):
    """Create the entity or event only when a field is present, equals or is in values."""

    column: str
    equals: str | None = None
    any_of: list[str] | None = Field(default=None, alias="in")
    present: bool | None = None


class SourceSpec(_Strict):
    """How to read the file."""

    format: Literal["csv", "tsv", "excel", "json", "jsonl", "xml", "ftm"] | None = None
    encoding: str = "auto"
    delimiter: str = "auto"
    sheet: str | int | None = None
    header_row: int | None = Field(
        default=None,
        ge=1,
        description="line (csv, tsv) or row (excel) of the header, below a title block; "
        "default: the first line that is not blank (csv), row 1 (excel)",
    )
    records: str = Field(default="", description="XPath (xml) or dotted path (json) to records")
    namespaces: dict[str, str] = Field(default_factory=dict)


class EntitySpec(_Strict):
    """One entity (or relation: Ownership, Directorship, Family...) made from each record."""

    schema_: str = Field(alias="schema")
    key: list[Value]
    key_namespace: str | None = Field(default=None, description="shared id space across files")
    properties: dict[str, Value] = Field(default_factory=dict)
    when: Condition | None = None
    each: str | None = Field(default=None, description="repeat per nested element/item")
    ref_only: bool = Field(default=False, description="only its id, for relations (no statements)")
    on_invalid: OnInvalid | None = Field(
        default=None, description="value (default: quarantine the value) or record"
    )


class EventSpec(_Strict):
    """One typed event row (border_crossings, plate_reads, ...) made from each record."""

    table: str
    key: list[Value]
    key_namespace: str | None = None
    columns: dict[str, Value]
    attributes: list[str] = Field(default_factory=list, description="fields kept as JSON")
    when: Condition | None = None
    each: str | None = None


class Mapping(_Strict):
    """A whole mapping file."""

    dataset: str = Field(pattern=DATASET_NAME_PATTERN)  # the one rule for dataset names
    title: str | None = None
    description: str | None = None
    source: SourceSpec = Field(default_factory=SourceSpec)
    on_invalid: OnInvalid = Field(
        default="value",
        description="a property value that does not validate: quarantine the value (the "
        "entity and its other values go in) or the whole record",
    )
    lookups: dict[str, dict[str, str]] = Field(default_factory=dict)
    entities: dict[str, EntitySpec] = Field(default_factory=dict)
    events: dict[str, EventSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> Mapping:
        for owner, specs in self._all_values():
            for spec in specs:
                if spec.entity is not None and spec.entity not in self.entities:
                    hint = did_you_mean(spec.entity, self.entities)
                    raise ValueError(f"{owner} refers to entity {spec.entity!r}, not defined{hint}")
                for name, arg in spec.transforms:
                    if name == "lookup" and arg not in self.lookups:
                        hint = did_you_mean(str(arg), self.lookups)
                        raise ValueError(f"{owner} uses lookup {arg!r}, not in lookups{hint}")
        return self

    def _all_values(self) -> list[tuple[str, list[ValueSpec]]]:
        out = [(f"entity {n}", [*e.key, *e.properties.values()]) for n, e in self.entities.items()]
        out += [(f"event {n}", [*e.key, *e.columns.values()]) for n, e in self.events.items()]
        return out


class LoadedMapping(BaseModel):
    """A validated mapping with where it came from and its content hash."""

    model_config = ConfigDict(frozen=True)

    mapping: Mapping
    name: str
    path: Path | None
    sha256: str
    #: YAML path (keys and list positions) → line, for messages about the mapping.
    lines: dict[tuple[Any, ...], int] = Field(default_factory=dict, repr=False)

    def line(self, *path: Any) -> int:
        """The line of ``path`` in the mapping file (of its nearest parent that has one)."""
        return _line_for(self.lines, tuple(path))

    def where(self, *path: Any) -> str:
        """``file:line`` of ``path``."""
        return f"{self.name}:{self.line(*path)}"


def _line_index(text: str) -> dict[tuple[Any, ...], int]:
    """YAML path (keys and list positions) → 1-based line, for error messages."""
    lines: dict[tuple[Any, ...], int] = {}

    def visit(node: yaml.Node, path: tuple[Any, ...]) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[(*path, key.value)] = key.start_mark.line + 1
                visit(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                visit(item, (*path, i))

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        visit(root, ())
    return lines


def _line_for(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int:
    path = tuple(
        p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function")))
    )
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _where(loc: Any) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function"))


def parse_mapping(text: str, *, name: str = "<mapping>", path: Path | None = None) -> LoadedMapping:
    """Validate mapping YAML; a :class:`MappingError` lists every problem as ``file:line``."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise MappingError(
            f"{name}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from exc
    if not isinstance(data, dict):
        raise MappingError(f"{name}:1: a mapping file is a YAML mapping (dataset:, source:, ...)")
    lines = _line_index(text)
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{name}:{_line_for(lines, tuple(err['loc']))}: {_where(err['loc'])}: {_message(err)}"
            for err in exc.errors()
        ]
        raise MappingError(
            "invalid mapping:\n" + "\n".join(problems), hint="see docs/mappings.md"
        ) from exc
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedMapping(mapping=mapping, name=name, path=path, sha256=digest, lines=lines)


_SECTIONS: dict[str, type[BaseModel]] = {
    "source": SourceSpec,
    "entities": EntitySpec,
    "events": EventSpec,
    "properties": ValueSpec,
    "columns": ValueSpec,
    "key": ValueSpec,
    "when": Condition,
}


def _message(err: Any) -> str:
    """pydantic's message, with a 'did you mean' for a misspelt key."""
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] != "extra_forbidden":
        return msg
    loc = [p for p in err["loc"] if not str(p).startswith("function")]
    word = str(loc[-1])
    owner = next((str(p) for p in reversed(loc[:-1]) if str(p) in _SECTIONS), None)
    model = _SECTIONS.get(owner or "", Mapping) if len(loc) > 1 else Mapping
    fields = [f.alias or n for n, f in model.model_fields.items()]
    return f"unknown key {word!r}{did_you_mean(word, fields)}"


def load_mapping(path: Path) -> LoadedMapping:
    """Read and validate a mapping file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"cannot read mapping {path}: {exc.strerror}") from exc
    return parse_mapping(text, name=str(path), path=Path(path))


def detect_format(path: Path, declared: str | None) -> str:
    """The reader to use: declared in the mapping, else from the file name."""
    if declared:
        return declared
    name = path.name.lower()
    for suffix, fmt in (
        (".ftm.json", "ftm"),
        (".ftm.jsonl", "ftm"),
        (".csv", "csv"),
        (".tsv", "tsv"),
        (".txt", "csv"),
        (".xlsx", "excel"),
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".json", "json"),
        (".xml", "xml"),
        (".osm", "xml"),
    ):
        if name.endswith(suffix):
            return fmt
    raise MappingError(
        f"cannot tell the format of {path.name}",
        hint=f"set source.format: one of {', '.join(FORMATS)}",
    )
