"""A mapping checked against the real file before anything is imported.

Every column, XPath and JSON path the mapping reads must exist in the source: a header names
the columns of CSV and Excel files; for JSON and XML the first records are sampled. A path
that matches nothing, a records path that matches no record, is an error naming the mapping's
file and line with a "did you mean" from what the source does hold — never an import that
"completes" with the values silently missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from lxml import etree

from pasienis.ingest.compile import CompiledMapping, Reference, references
from pasienis.ingest.errors import MappingError
from pasienis.ingest.readers.delimited import DelimitedReader
from pasienis.ingest.readers.jsonfile import walk
from pasienis.ingest.sources import open_reader
from pasienis.ingest.suggest import did_you_mean

#: Records sampled from JSON and XML files to find the paths a mapping reads.
DEFAULT_SAMPLE = 1_000


@dataclass
class SourceCheck:
    """What the check found: the source's field names, how many records it sampled."""

    fmt: str
    names: list[str] = field(default_factory=list)
    sampled: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.fmt, "fields": self.names, "sampled": self.sampled,
            "problems": self.problems, "warnings": self.warnings,
        }  # fmt: skip


def check_source(
    compiled: CompiledMapping, path: Path, fmt: str, name: str, *, sample: int = DEFAULT_SAMPLE
) -> SourceCheck:
    """Check the mapping's references against ``path`` (read as ``fmt``); raises nothing."""
    reader = open_reader(path, fmt, compiled, name)
    result = SourceCheck(fmt)
    refs = references(compiled.loaded)
    if fmt in ("csv", "tsv", "excel"):
        result.names = list(reader.header())  # type: ignore[attr-defined]
        result.sampled = sum(1 for _ in islice(reader.records(), 1))
        _check_header(compiled, refs, result)
        if result.problems and isinstance(reader, DelimitedReader):
            _point_at_header(compiled, reader, refs, result)
    elif fmt in ("json", "jsonl"):
        _check_paths(compiled, refs, _JSONSample(path, fmt, compiled, sample), result)
    elif fmt == "xml":
        _check_paths(compiled, refs, _XMLSample(reader, sample), result)
    if result.sampled == 0 and not result.problems:
        where = compiled.loaded.where("source", "records")
        result.problems.append(f"{where}: {name} holds no records to import")
    return result


def require_source(
    compiled: CompiledMapping, path: Path, fmt: str, name: str, *, sample: int = DEFAULT_SAMPLE
) -> SourceCheck:
    """:func:`check_source`, raising a :class:`MappingError` that lists every problem."""
    result = check_source(compiled, path, fmt, name, sample=sample)
    if result.problems:
        raise MappingError(
            f"the mapping does not fit {name}:\n" + "\n".join(result.problems),
            hint="fix the mapping (`pasienis mapping check MAP.yml FILE` checks it again)",
        )
    return result


def _missing(compiled: CompiledMapping, ref: Reference, names: list[str], what: str) -> str:
    column, _each, yaml_path = ref
    return (
        f"{compiled.loaded.where(*yaml_path)}: {what} {column!r} is not in the source"
        f"{did_you_mean(column, names)}"
    )


def _check_header(compiled: CompiledMapping, refs: list[Reference], result: SourceCheck) -> None:
    header = set(result.names)
    reported: set[str] = set()
    for ref in refs:
        if ref[0] not in header and ref[0] not in reported:
            reported.add(ref[0])
            result.problems.append(_missing(compiled, ref, result.names, "column"))


def _point_at_header(
    compiled: CompiledMapping, reader: DelimitedReader, refs: list[Reference], result: SourceCheck
) -> None:
    """Columns missing because a title block stands above the header: say on which line the
    header is, and the ``source.header_row`` that reads it."""
    line = reader.find_header({f for f, _each, _path in refs})
    if line is not None:
        where = compiled.loaded.where("source")
        result.problems.append(
            f"{where}: line {line} of {reader.name} names the mapped columns: a title block "
            f"above the header? set `header_row: {line}` under source"
        )


class _Sample:
    """Sampled records: whether a path finds a value, and the names the records hold."""

    records: int = 0
    complete: bool = False
    names: list[str]
    problem: str | None = None

    def has(self, path: str, each: str | None) -> bool:
        raise NotImplementedError


def _check_paths(
    compiled: CompiledMapping, refs: list[Reference], sample: _Sample, result: SourceCheck
) -> None:
    result.sampled, result.names = sample.records, sample.names
    if sample.problem is not None:
        result.problems.append(f"{compiled.loaded.where('source', 'records')}: {sample.problem}")
        return
    if not sample.records:
        return
    groups = {each for _f, each, _p in refs if each is not None}
    checked = [(g, None, ("entities",)) for g in sorted(groups)] + refs
    seen: set[tuple[str, str | None]] = set()
    for ref in checked:
        path, each = ref[0], ref[1]
        if (path, each) in seen or sample.has(path, each):
            continue
        seen.add((path, each))
        # Elements and keys are optional by nature in XML and JSON (a consignor without an
        # identification): a path without a value in the sample is a warning on the run,
        # with its "did you mean"; only a records path that matches nothing is an error.
        scope = "any record" if sample.complete else f"the first {sample.records} records"
        result.warnings.append(
            _missing(compiled, ref, sample.names, "path").replace(
                "is not in the source", f"has no value in {scope}"
            )
        )


def _json_paths(obj: Any, prefix: str = "", depth: int = 0) -> Iterator[str]:
    if depth > 6:
        return
    if isinstance(obj, list):
        for item in obj[:20]:
            yield from _json_paths(item, prefix, depth + 1)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from _json_paths(value, path, depth + 1)


def _record_lists(obj: Any, prefix: str = "", depth: int = 0) -> Iterator[str]:
    """Paths through objects only that lead to a list: where records may be."""
    if not isinstance(obj, dict) or depth > 6:
        return
    for key, value in obj.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, list):
            yield path
        else:
            yield from _record_lists(value, path, depth + 1)


def _present(value: Any) -> bool:
    if isinstance(value, list):
        return any(_present(v) for v in value)
    return value is not None and str(value).strip() != ""


class _JSONSample(_Sample):
    def __init__(self, path: Path, fmt: str, compiled: CompiledMapping, size: int) -> None:
        records_path = compiled.loaded.mapping.source.records
        if fmt == "jsonl":
            items = self._lines(path, records_path, size)
            self.complete = len(items) < size
        else:
            try:
                document = json.loads(path.read_text(encoding="utf-8-sig"))
            except (json.JSONDecodeError, UnicodeDecodeError):
                document = None  # the import reports it, with the reader's message
            found = walk(document, records_path)
            everything = found if isinstance(found, list) else [] if found is None else [found]
            items = everything[:size]
            self.complete = len(everything) <= size
            if not everything and document is not None:
                lists = list(_record_lists(document))
                self.problem = (
                    f"records path {records_path or '(the whole document)'!r} matches no records"
                    f"{did_you_mean(records_path, lists)}"
                )
        self.items, self.records = items, len(items)
        self.names = list(dict.fromkeys(p for item in items for p in _json_paths(item)))

    @staticmethod
    def _lines(path: Path, records_path: str, size: int) -> list[Any]:
        items: list[Any] = []
        with path.open("rb") as handle:
            for raw in handle:
                if len(items) >= size:
                    break
                if raw.strip():
                    try:
                        obj = json.loads(raw.decode("utf-8-sig"))
                    except (json.JSONDecodeError, UnicodeDecodeError):
                        continue
                    items.append(walk(obj, records_path) if records_path else obj)
        return items

    def has(self, path: str, each: str | None) -> bool:
        for item in self.items:
            scopes = [item] if each is None else _as_list(walk(item, each))
            if any(_present(walk(scope, path)) for scope in scopes):
                return True
        return False


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


class _XMLSample(_Sample):
    def __init__(self, reader: Any, size: int) -> None:
        self.namespaces = reader.namespaces
        self.prefixes = {uri: prefix for prefix, uri in self.namespaces.items()}
        self.elements: list[Any] = []
        tags: dict[str, None] = {}
        try:
            for _event, elem in etree.iterparse(
                str(reader.path), events=("start",), huge_tree=True,
                resolve_entities=False, no_network=True,
            ):  # fmt: skip
                if elem.tag == reader.tag:
                    break
                if isinstance(elem.tag, str) and len(tags) < 500:
                    tags[elem.tag] = None
        except etree.XMLSyntaxError:
            pass
        self.elements = self._records(reader, size)
        self.records = len(self.elements)
        self.complete = self.records < size
        if not self.elements:
            self.problem = self._no_records(reader, list(tags))
        self.names = list(dict.fromkeys(p for elem in self.elements for p in self._paths(elem, "")))
        self._compiled: dict[str, Any] = {}

    @staticmethod
    def _records(reader: Any, size: int) -> list[Any]:
        found: list[Any] = []
        try:
            for _event, elem in etree.iterparse(
                str(reader.path), events=("end",), tag=reader.tag, huge_tree=True,
                resolve_entities=False, no_network=True,
            ):  # fmt: skip
                found.append(elem)
                if len(found) >= size:
                    break
        except etree.XMLSyntaxError:
            pass  # the import quarantines the break; the records before it count
        return found

    def _name(self, tag: str) -> str:
        if tag.startswith("{"):
            uri, local = tag[1:].split("}", 1)
            prefix = self.prefixes.get(uri)
            return f"{prefix}:{local}" if prefix else tag
        return tag

    def _no_records(self, reader: Any, tags: list[str]) -> str:
        wanted = reader.tag.split("}")[-1]
        same_local = [t for t in tags if t.split("}")[-1] == wanted]
        if same_local:
            uri = same_local[0][1:].split("}")[0] if same_local[0].startswith("{") else ""
            return (
                f"records XPath {reader.records_path!r} matches no element: <{wanted}> is in "
                f"namespace {uri or '(none)'!r}; declare it in source.namespaces "
                f"(e.g. namespaces: {{d: '{uri}'}}) and write d:{wanted}"
            )
        names = [self._name(t) for t in tags]
        return (
            f"records XPath {reader.records_path!r} matches no element"
            f"{did_you_mean(self._name(reader.tag), names)}"
        )

    def _paths(self, elem: Any, prefix: str) -> Iterator[str]:
        for attr in elem.attrib:
            yield f"{prefix}@{self._name(attr)}"
        for child in elem:
            if isinstance(child.tag, str):
                path = f"{prefix}{self._name(child.tag)}"
                yield path
                if prefix.count("/") < 4:
                    yield from self._paths(child, f"{path}/")

    def _xpath(self, path: str) -> Any:
        if path not in self._compiled:
            self._compiled[path] = etree.XPath(path, namespaces=self.namespaces)
        return self._compiled[path]

    def has(self, path: str, each: str | None) -> bool:
        try:
            select = self._xpath(path)
            scope = self._xpath(each) if each is not None else None
        except etree.XPathSyntaxError:
            return True  # the reader reports the syntax with its own message
        for elem in self.elements:
            for node in [elem] if scope is None else scope(elem):
                if _present_xml(select(node)):
                    return True
        return False


def _present_xml(found: Any) -> bool:
    if isinstance(found, list):
        return any(_present_xml(f) for f in found)
    if isinstance(found, etree._Element):
        return bool("".join(found.itertext()).strip())
    if isinstance(found, bool):
        return found
    return found is not None and str(found).strip() != ""
