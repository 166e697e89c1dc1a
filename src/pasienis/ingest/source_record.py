"""The raw source record behind a statement: the record as it is in the imported file.

A statement keeps its dataset, import run and locator (``file.csv:172``, ``book.xlsx:Sheet:9``,
``data.json#items[3]``, ``export.xml#//record[2] (line 40)``, ``feed.jsonl:12``). The run keeps
the file's path and SHA-256, so the record is read again from the very file that was imported:
the file must still be there and unchanged (same hash), else the answer says so instead of
showing a record of another version of the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import Connection

from pasienis.errors import PasienisError
from pasienis.ingest.errors import SourceError
from pasienis.ingest.mapping import detect_format
from pasienis.ingest.readers.delimited import DelimitedReader
from pasienis.ingest.readers.excel import ExcelReader
from pasienis.ingest.readers.jsonfile import walk
from pasienis.ingest.runs import get_run
from pasienis.ingest.sources import file_sha256

#: Run fields shown beside the record (no server paths).
RUN_FIELDS = ("id", "dataset", "source_name", "mapping_name", "content_hash", "status",
              "created_by", "started_at", "finished_at", "records")  # fmt: skip
_JSON_AT = re.compile(r"^(?P<path>.*)\[(?P<index>\d+)\]$")
_XML_AT = re.compile(r"^(?P<path>.*)\[(?P<index>\d+)\] \(line (?P<line>\d+)\)$")
MAX_RAW = 20000


class SourceUnavailableError(PasienisError):
    """The imported file is gone or changed since the import: its record cannot be shown."""

    status_code = 410
    kind = "ingest-source-gone"


class RecordNotInSourceError(PasienisError):
    """The file is there, but no record of it has the statement's locator."""

    status_code = 404
    kind = "ingest-record-not-found"


def source_record(
    conn: Connection, *, run_id: str, locator: str, dataset: str | None = None
) -> dict[str, Any]:
    """The record at ``locator`` in the file of import run ``run_id``, with the run.

    Answers ``fields`` (name → raw value, in file order) and, for JSON and XML, ``raw`` (the
    record's text). Raises :class:`SourceUnavailableError` when the file is missing or no
    longer the one imported, :class:`RecordNotInSourceError` when no record has the locator.
    """
    run = get_run(conn, run_id=run_id)
    if dataset is not None and run["dataset"] != dataset:  # a run writes its own dataset only
        raise RecordNotInSourceError(f"import run {run_id[:8]} did not import {dataset}")
    path = Path(run.get("source_path") or "")
    if not run.get("source_path") or not path.is_file():
        raise SourceUnavailableError(
            f"the file {run['source_name']} of import run {run_id[:8]} is no longer on the server",
            hint="the statement's dataset, file, row and run still say where it came from",
        )
    if file_sha256(path) != run["content_hash"]:
        raise SourceUnavailableError(
            f"the file {run['source_name']} has changed since import run {run_id[:8]}",
            hint="the record shown would not be the one imported; re-import the file",
        )
    name = str(run["source_name"])  # the locator's file part (as the readers write it)
    if not locator.startswith(name):
        raise RecordNotInSourceError(f"{locator!r} is not a place in {name}")
    where = locator[len(name) :]
    fmt = detect_format(path, None) if not path.name.endswith(".ftm.json") else "ftm"
    record = _read(path, fmt, name, where)
    if record is None:
        raise RecordNotInSourceError(f"no record at {locator!r} in {name}")
    return {"run": {k: run.get(k) for k in RUN_FIELDS}, "locator": locator, "format": fmt,
            **record}  # fmt: skip


def _read(path: Path, fmt: str, name: str, where: str) -> dict[str, Any] | None:
    if fmt in ("csv", "tsv", "excel") and where.startswith(":"):
        return _table_row(path, fmt, name, where)
    if fmt in ("jsonl", "ftm") and where[1:].isdigit():
        return _json_line(path, int(where[1:]))
    if fmt == "json" and where.startswith("#"):
        return _json_item(path, where[1:])
    if fmt == "xml" and where.startswith("#"):
        return _xml_item(path, where[1:])
    return None


def _table_row(path: Path, fmt: str, name: str, where: str) -> dict[str, Any] | None:
    """A CSV/TSV line or a sheet row, keyed by the header, read by the import's own readers."""
    if fmt == "excel":
        sheet, _, row = where[1:].rpartition(":")
        if not sheet or not row.isdigit():
            return None
        reader: Any = ExcelReader(path, sheet=sheet, header_row=1, name=name)
    else:
        reader = DelimitedReader(path, delimiter="\t" if fmt == "tsv" else "auto", name=name)
    wanted = f"{name}{where}"
    for rec in reader.records():
        if rec.locator == wanted:
            return {"fields": rec.fields}
    return None


def _json_line(path: Path, number: int) -> dict[str, Any] | None:
    with path.open("rb") as handle:
        for at, raw in enumerate(handle, start=1):
            if at == number:
                text = raw.decode("utf-8-sig", errors="replace").rstrip("\r\n")
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError:
                    return {"fields": {}, "raw": text[:MAX_RAW]}
                return {"fields": _flat(obj), "raw": text[:MAX_RAW]}
    return None


def _json_item(path: Path, where: str) -> dict[str, Any] | None:
    match = _JSON_AT.match(where)
    if not match:
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path.name} is not valid JSON: {exc}") from exc
    records_path = "" if match["path"] == "$" else match["path"]
    items = walk(document, records_path)
    items = items if isinstance(items, list) else ([] if items is None else [items])
    index = int(match["index"])
    if index >= len(items):
        return None
    obj = items[index]
    return {"fields": _flat(obj), "raw": json.dumps(obj, ensure_ascii=False, indent=1)[:MAX_RAW]}


def _xml_item(path: Path, where: str) -> dict[str, Any] | None:
    """The record element: found by its line and element name (the XPath of the mapping may
    use namespace prefixes the file does not declare the same way)."""
    match = _XML_AT.match(where)
    if not match:
        return None
    name = match["path"].rsplit("/", 1)[-1].split(":")[-1].split("[")[0]
    line = int(match["line"])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{path.name}: {exc}") from exc
    elem = next((el for el in tree.iter() if isinstance(el.tag, str) and el.sourceline == line
                 and etree.QName(el).localname == name), None)  # fmt: skip
    if elem is None:
        return None
    fields = {etree.QName(child).localname: (child.text or "").strip()
              for child in elem if isinstance(child.tag, str) and len(child) == 0}  # fmt: skip
    fields |= {f"@{k}": v for k, v in elem.attrib.items()}
    raw = etree.tostring(elem, encoding="unicode", with_tail=False)
    return {"fields": fields, "raw": raw[:MAX_RAW]}


def _flat(obj: Any, prefix: str = "") -> dict[str, Any]:
    """A JSON object as ``a.b.c`` → scalar pairs (lists joined by index), for the table."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            out |= _flat(value, f"{prefix}{key}.")
        return out
    if isinstance(obj, list):
        out = {}
        for i, value in enumerate(obj):
            out |= _flat(value, f"{prefix}{i}.")
        return out
    return {prefix[:-1] or "value": obj}
