"""``mapping draft``: a starting mapping proposed from a file, for an administrator to edit.

What a newcomer gets wrong first is how to read the file: its encoding, its delimiter, where
the header row is (Excel exports put a title block above it), what each column holds. This
reads a sample and says: each column with its likely type — dates with their format,
numbers with decimal commas, identifiers recognised by their validators (phonenumbers,
python-stdnum, schwifty through :func:`pasienis.model.check_format`) — and a mapping YAML
whose ``source:`` is filled in and whose properties are suggestions to keep or delete.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

import yaml

from pasienis.ingest.errors import SourceError
from pasienis.ingest.mapping import detect_format
from pasienis.ingest.readers.base import check_not_empty
from pasienis.ingest.readers.delimited import sniff_delimiter
from pasienis.ingest.readers.encoding import SAMPLE, detect_encoding
from pasienis.model import check_format

#: Values per column looked at.
SAMPLE_VALUES = 500
#: Share of a column's values a type must fit to be proposed.
FIT = 0.9
DATE_FORMATS = (
    "%Y-%m-%d", "%d.%m.%Y", "%Y.%m.%d", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%Y",
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S", "%Y.%m.%d %H:%M",
)  # fmt: skip
#: Identifier formats tried on text columns, most specific first, with the FtM property
#: a column of them usually feeds.
IDENTIFIERS = (
    ("lt_personal_code", "idNumber"), ("lt_company_code", "registrationNumber"),
    ("iban", "iban"), ("vin", "registrationNumber"), ("phone", "phone"),
    ("plate", "registrationNumber"),
)  # fmt: skip
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,3}([ \u00a0.]?\d{3})*,\d+$|^[+-]?\d+,\d+$")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


@dataclass
class ColumnGuess:
    """One column: its name, what its values look like, and how many were looked at."""

    name: str
    type: str = "text"
    format: str | None = None
    values: int = 0
    empty: int = 0
    examples: list[str] = field(default_factory=list)
    property: str | None = None


@dataclass
class Draft:
    """What :func:`draft_mapping` found, and the mapping YAML it proposes."""

    format: str
    source: dict[str, Any]
    columns: list[ColumnGuess]
    records: int
    yaml: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "columns": [asdict(c) for c in self.columns]}


def _dates(values: list[str]) -> str | None:
    for fmt in DATE_FORMATS:
        fits = 0
        for value in values:
            try:
                datetime.strptime(value, fmt)  # noqa: DTZ007 - only the shape is tested
            except ValueError:
                continue
            fits += 1
        if fits >= FIT * len(values):
            return fmt
    return None


def _share(values: list[str], test: Any) -> float:
    return sum(1 for v in values if test(v)) / len(values)


def guess_column(name: str, raw: list[Any]) -> ColumnGuess:
    """The likely type of one column from its sampled values."""
    values = [str(v).strip() for v in raw if v is not None and str(v).strip()]
    guess = ColumnGuess(name, values=len(values), empty=len(raw) - len(values))
    guess.examples = list(dict.fromkeys(values))[:3]
    if not values:
        guess.type = "empty"
        return guess
    if fmt := _dates(values):
        guess.type, guess.format = ("datetime" if "%H" in fmt else "date"), fmt
        guess.property = "birthDate" if re.search(r"gim|birth|born|рожд", name, re.I) else None
        return guess
    if _share(values, _EMAIL.match) >= FIT:
        guess.type, guess.property = "email", "email"
        return guess
    for fmt, prop in IDENTIFIERS:  # before numbers: codes are digits with a check digit
        if _share(values, lambda v, f=fmt: check_format(f, v)[0] is not None) >= FIT:
            guess.type, guess.format, guess.property = "identifier", fmt, prop
            return guess
    if _share(values, _NUMBER.match) >= FIT:
        guess.type = "number"
        return guess
    if _share(values, lambda v: _DECIMAL_COMMA.match(v) or _NUMBER.match(v)) >= FIT:
        guess.type, guess.format = "number", "decimal comma"
    return guess


def draft_mapping(path: Path, *, name: str | None = None, sheet: str | None = None) -> Draft:
    """Propose how to read ``path`` and a mapping to start from."""
    path = Path(path)
    check_not_empty(path)
    fmt = detect_format(path, None)
    if fmt in ("csv", "tsv"):
        found = _delimited(path)
    elif fmt == "excel":
        found = _excel(path, sheet)
    elif fmt in ("json", "jsonl"):
        found = _json(path, fmt)
    elif fmt == "xml":
        found = _xml(path)
    else:
        raise SourceError(f"{path.name}: nothing to draft for format {fmt}", hint="FtM needs none")
    source, header, rows = found
    columns = [guess_column(h, [r.get(h) for r in rows[:SAMPLE_VALUES]]) for h in header]
    draft = Draft(fmt, {"format": fmt, **source}, columns, len(rows))
    draft.yaml = _yaml(draft, name or path.stem)
    return draft


def _delimited(path: Path) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE)
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="replace")
    lines = text.splitlines()[:-1] if len(sample) == SAMPLE else text.splitlines()
    delimiter = sniff_delimiter("\n".join(lines))
    table = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    start = _header_index(table)
    header = [h.strip() or f"column_{i + 1}" for i, h in enumerate(table[start])]
    rows = [dict(zip(header, r, strict=False)) for r in table[start + 1 :] if any(r)]
    source: dict[str, Any] = {"encoding": encoding, "delimiter": delimiter}
    if start:  # a title block above the header (rows of csv.reader: one per line here)
        source["header_row"] = start + 1
    return source, header, rows


def _header_index(table: list[list[Any]]) -> int:
    """The header row: the first row as wide as the data below it, all of it text (a title
    block above the header is narrower: one or two cells)."""
    widths = [sum(1 for c in row if c is not None and str(c).strip()) for row in table[:60]]
    if not widths:
        return 0
    width = max(widths)
    for i, row in enumerate(table[:60]):
        cells = [c for c in row if c is not None and str(c).strip()]
        if len(cells) >= max(2, 0.8 * width) and all(isinstance(c, str) for c in cells):
            return i
    return 0


def _excel(path: Path, sheet: str | None) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    from openpyxl import load_workbook

    from pasienis.ingest.readers.excel import cell_text

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise SourceError(f"cannot open {path.name} as a workbook: {exc}") from exc
    try:
        ws = book[sheet] if sheet else book[book.sheetnames[0]]
        table = [list(r) for r in islice(ws.iter_rows(values_only=True), SAMPLE_VALUES + 60)]
        title = ws.title
    finally:
        book.close()
    start = _header_index(table)
    header = [
        str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(table[start])
    ]
    rows = [
        dict(zip(header, (cell_text(v) for v in r), strict=False))
        for r in table[start + 1 :]
        if any(v is not None and str(v).strip() for v in r)
    ]
    return {"sheet": title, "header_row": start + 1}, header, rows


def _json(path: Path, fmt: str) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    from pasienis.ingest.checks import _json_paths, _record_lists
    from pasienis.ingest.readers.jsonfile import walk

    if fmt == "jsonl":
        with path.open(encoding="utf-8-sig") as handle:
            items = [json.loads(line) for line in islice(handle, SAMPLE_VALUES) if line.strip()]
        records = ""
    else:
        try:
            document = json.loads(path.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SourceError(f"{path.name} is not valid JSON: {exc}") from exc
        candidates = sorted(
            _record_lists(document), key=lambda p: len(walk(document, p) or []), reverse=True
        )
        records = "" if isinstance(document, list) or not candidates else candidates[0]
        found = walk(document, records)
        items = found if isinstance(found, list) else [found]
    items = [i for i in items if isinstance(i, dict)][:SAMPLE_VALUES]
    header = list(dict.fromkeys(p for item in items for p in _json_paths(item)))
    rows = [{p: _leaf(walk(item, p)) for p in header} for item in items]
    header = [h for h in header if any(r[h] is not None for r in rows)]
    return {"records": records}, header, rows


def _leaf(value: Any) -> Any:
    if isinstance(value, dict | list):
        return None  # a nested object: its own paths are listed
    return value


def _xml(path: Path) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    from collections import Counter

    from lxml import etree

    try:
        root = etree.parse(str(path), etree.XMLParser(recover=True, huge_tree=True)).getroot()
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{path.name} is not XML: {exc}") from exc
    if root is None:
        raise SourceError(f"{path.name} holds no XML")
    namespaces = {(p or "d"): uri for p, uri in root.nsmap.items()}
    prefixes = {uri: p for p, uri in namespaces.items()}

    def name(tag: str) -> str:
        if tag.startswith("{"):
            uri, local = tag[1:].split("}", 1)
            return f"{prefixes.get(uri, 'd')}:{local}"
        return tag

    # Records: the root's repeated children (<Declarations><Declaration/>...), else the most
    # repeated element that has elements of its own.
    children = Counter(name(e.tag) for e in root if isinstance(e.tag, str))
    nested = Counter(
        name(e.tag) for e in root.iter() if isinstance(e.tag, str) and e is not root and len(e)
    )
    counts = children if children and children.most_common(1)[0][1] > 1 else nested or children
    tag = counts.most_common(1)[0][0] if counts else name(root.tag)
    elements = [e for e in root.iter() if isinstance(e.tag, str) and name(e.tag) == tag]
    records = f"//{tag}"
    header: list[str] = []
    rows = []
    for elem in elements[:SAMPLE_VALUES]:
        row: dict[str, Any] = {f"@{k}": v for k, v in elem.attrib.items()}
        for child in elem.iterdescendants():
            if isinstance(child.tag, str) and len(child) == 0:
                row.setdefault(_relative(child, elem, name), (child.text or "").strip())
        header.extend(k for k in row if k not in header)
        rows.append(row)
    return {"records": records, "namespaces": namespaces}, header, rows


def _relative(child: Any, elem: Any, name: Any) -> str:
    """The XPath of ``child`` from ``elem`` (``d:Consignor/d:Name``)."""
    parts = []
    node = child
    while node is not None and node is not elem:
        parts.append(name(node.tag))
        node = node.getparent()
    return "/".join(reversed(parts))


def _properties_of(schema: str) -> set[str]:
    """What a drafted entity of ``schema`` may map (a suggestion outside it would not compile)."""
    from followthemoney.model import Model

    found = Model.instance().get(schema)
    return set(found.properties) if found is not None else set()


def _yaml(draft: Draft, stem: str) -> str:
    dataset = re.sub(r"[^a-z0-9_]", "_", stem.lower()).strip("_") or "dataset"
    if not dataset[0].isalpha() or len(dataset) < 2:  # DATASET_NAME_PATTERN
        dataset = f"d_{dataset}"
    source = {k: v for k, v in draft.source.items() if v not in ("", {})}
    properties: dict[str, Any] = {}
    for column in draft.columns:
        if column.property and column.property not in properties:
            spec: dict[str, Any] = {"column": column.name}
            if column.type == "date" and column.format not in (None, "%Y-%m-%d"):
                spec["transforms"] = [{"date": column.format}]
            if column.type == "identifier" and column.format:
                spec["format"] = column.format
            properties[column.property] = spec
    first = draft.columns[0].name if draft.columns else "id"
    schema = "Person" if "birthDate" in properties else "LegalEntity"
    texts = [c.name for c in draft.columns if c.type == "text" and c.values]
    if "name" not in properties and texts:  # the schema requires a name: the first text
        properties = {"name": {"column": texts[0]}, **properties}
    known = _properties_of(schema)
    properties = {p: v for p, v in properties.items() if p in known}
    body = {
        "dataset": dataset[:64],
        "title": f"Draft mapping for {stem}: edit the schema, key and properties",
        "source": source,
        "entities": {"record": {"schema": schema, "key": [first],
                                "properties": properties or {"name": first}}},
    }  # fmt: skip
    lines = ["# Columns found (type, format, values looked at, examples):"]
    for c in draft.columns:
        fmt = f" {c.format}" if c.format else ""
        lines.append(f"#   {c.name!r}: {c.type}{fmt} ({c.values} values) e.g. {c.examples[:2]}")
    if (row := draft.source.get("header_row") or 1) > 1:
        lines.append(f"# NOTE: the header is on line {row}, below a title block (header_row)")
    return "\n".join(lines) + "\n" + yaml.safe_dump(body, allow_unicode=True, sort_keys=False)
