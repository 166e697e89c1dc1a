"""Reading and checking schema YAML files with line numbers.

FollowTheMoney reports a broken model without saying where; administrators edit these files
by hand, so pasienis checks them first and names the file, the line and what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pasienis.model.errors import SchemaProblem

SCHEMA_KEYS = {
    "label", "plural", "description", "extends", "abstract", "hidden", "generated", "matchable",
    "featured", "required", "caption", "properties", "edge", "temporalExtent", "deprecated",
}  # fmt: skip
PROPERTY_KEYS = {
    "label", "description", "type", "range", "reverse", "hidden", "matchable", "deprecated",
    "maxLength", "format", "stub", "examples",
}  # fmt: skip
SCHEMA_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
PROPERTY_NAME = re.compile(r"^[a-z][A-Za-z0-9]*$")


class LineDict(dict[Any, Any]):
    """A mapping that remembers the (1-based) line of each key and of itself."""

    line: int = 0
    lines: dict[Any, int]


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings are :class:`LineDict`."""


def _construct_line_dict(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_line_dict)


@dataclass
class SchemaDoc:
    """One schema as written in one file."""

    name: str
    path: Path
    line: int
    spec: LineDict

    def line_of(self, key: str) -> int:
        return self.spec.lines.get(key, self.line) if isinstance(self.spec, LineDict) else self.line


@dataclass
class SchemaSet:
    """All schema documents read so far, and the problems met reading them."""

    docs: dict[str, SchemaDoc] = field(default_factory=dict)
    problems: list[SchemaProblem] = field(default_factory=list)

    def problem(self, path: Path, line: int, message: str) -> None:
        self.problems.append(SchemaProblem(path, line, message))


def read_files(paths: Iterable[Path], into: SchemaSet) -> list[SchemaDoc]:
    """Parse files into ``into``; duplicates and syntax errors become problems."""
    new_docs: list[SchemaDoc] = []
    for path in paths:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            into.problem(path, (mark.line + 1) if mark else 1, f"YAML syntax: {exc.problem}")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            into.problem(path, 1, f"cannot read file: {exc}")
            continue
        if not isinstance(data, LineDict):
            into.problem(path, 1, "a schema file must be a mapping of schema names")
            continue
        for name, spec in data.items():
            line = data.lines.get(name, 1)
            if name in into.docs:
                other = into.docs[name]
                into.problem(
                    path,
                    line,
                    f"duplicate schema name {name!r} (also in {other.path}:{other.line})",
                )
                continue
            if not isinstance(spec, LineDict):
                into.problem(path, line, f"schema {name!r} must be a mapping")
                continue
            doc = SchemaDoc(name=str(name), path=path, line=line, spec=spec)
            into.docs[doc.name] = doc
            new_docs.append(doc)
    return new_docs


def check_docs(docs: Iterable[SchemaDoc], known: SchemaSet, type_names: set[str]) -> None:
    """Check schemata written by us or an administrator; problems are added to ``known``."""
    for doc in docs:
        _check_schema(doc, known, type_names)


def _check_schema(doc: SchemaDoc, known: SchemaSet, type_names: set[str]) -> None:
    spec = doc.spec
    if not SCHEMA_NAME.match(doc.name):
        known.problem(doc.path, doc.line, f"schema name {doc.name!r} must be CamelCase letters")
    if not spec.get("label"):
        known.problem(doc.path, doc.line, f"schema {doc.name!r} has no label")
    for key in spec:
        if key not in SCHEMA_KEYS:
            known.problem(doc.path, doc.line_of(key), f"unknown key {key!r} in schema {doc.name!r}")
    for parent in spec.get("extends") or []:
        if parent not in known.docs:
            known.problem(doc.path, doc.line_of("extends"), f"extends unknown schema {parent!r}")
    props = spec.get("properties") or LineDict()
    if not isinstance(props, LineDict):
        known.problem(doc.path, doc.line_of("properties"), "properties must be a mapping")
        return
    for pname, pspec in props.items():
        line = props.lines.get(pname, doc.line)
        _check_property(doc, str(pname), pspec, line, known, type_names)
    _check_listings(doc, known)


def _check_listings(doc: SchemaDoc, known: SchemaSet) -> None:
    available = inherited_properties(doc.name, known)
    for listing in ("featured", "required", "caption"):
        for pname in doc.spec.get(listing) or []:
            if pname not in available:
                known.problem(
                    doc.path, doc.line_of(listing), f"{listing} names unknown property {pname!r}"
                )


def _check_property(
    doc: SchemaDoc, name: str, spec: Any, line: int, known: SchemaSet, type_names: set[str]
) -> None:
    where = f"property {doc.name}.{name}"
    if not PROPERTY_NAME.match(name):
        known.problem(doc.path, line, f"{where}: name must be camelCase letters")
    if not isinstance(spec, LineDict):
        known.problem(doc.path, line, f"{where} must be a mapping with at least a label")
        return
    if not spec.get("label"):
        known.problem(doc.path, line, f"{where} has no label")
    for key in spec:
        if key not in PROPERTY_KEYS:
            known.problem(doc.path, spec.lines.get(key, line), f"{where}: unknown key {key!r}")
    type_name = spec.get("type") or "string"
    if type_name not in type_names:
        known.problem(
            doc.path,
            spec.lines.get("type", line),
            f"{where}: unknown property type {type_name!r} "
            f"(known: {', '.join(sorted(type_names))})",
        )
    if type_name == "entity":
        _check_range(doc, where, spec, line, known)


def _check_range(doc: SchemaDoc, where: str, spec: LineDict, line: int, known: SchemaSet) -> None:
    target = spec.get("range")
    if not target:
        known.problem(doc.path, line, f"{where}: an entity property needs a range")
    elif target not in known.docs:
        known.problem(doc.path, spec.lines.get("range", line), f"{where}: unknown range {target!r}")
    reverse = spec.get("reverse")
    if reverse is not None and not (isinstance(reverse, dict) and reverse.get("name")):
        known.problem(doc.path, spec.lines.get("reverse", line), f"{where}: reverse needs a name")


def inherited_properties(name: str, known: SchemaSet, seen: set[str] | None = None) -> set[str]:
    """Property names a schema has, its own and its ancestors' (reverse ones not included)."""
    seen = seen if seen is not None else set()
    doc = known.docs.get(name)
    if doc is None or name in seen:
        return set()
    seen.add(name)
    names = set((doc.spec.get("properties") or {}).keys())
    for parent in doc.spec.get("extends") or []:
        names |= inherited_properties(parent, known, seen)
    return names


def load_yaml_lines(text: str) -> Any:
    """Parse YAML safely with every mapping a :class:`LineDict` (for file:line errors)."""
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
