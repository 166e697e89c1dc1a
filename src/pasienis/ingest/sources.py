"""Opening the right reader for a source file, hashing it, and estimating its record count."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pasienis.ingest.compile import CompiledMapping
from pasienis.ingest.errors import MappingError
from pasienis.ingest.readers.base import Reader, ReadPlan
from pasienis.ingest.readers.delimited import DelimitedReader
from pasienis.ingest.readers.excel import ExcelReader
from pasienis.ingest.readers.ftm import FtMReader
from pasienis.ingest.readers.jsonfile import JSONReader
from pasienis.ingest.readers.xml import XMLReader


def file_sha256(path: Path) -> str:
    """Content hash of the file (what makes a re-import of the same file a no-op)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def count_lines(path: Path) -> int:
    """Newlines in the file: an upper bound of CSV/JSON-lines records, for progress bars."""
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def open_reader(path: Path, fmt: str, compiled: CompiledMapping | None, name: str) -> Reader:
    """The reader for ``fmt`` configured from the mapping's ``source`` section."""
    if fmt == "ftm" or compiled is None:
        return FtMReader(path, name=name)
    src = compiled.loaded.mapping.source
    plan: ReadPlan = compiled.plan
    if src.header_row is not None and fmt not in ("csv", "tsv", "excel"):
        raise MappingError(
            f"{compiled.loaded.where('source', 'header_row')}: header_row applies to csv, tsv "
            f"and excel files, not {fmt}",
            hint="remove it; records of JSON and XML files are found by source.records",
        )
    if fmt in ("csv", "tsv"):
        delimiter = "\t" if fmt == "tsv" and src.delimiter == "auto" else src.delimiter
        return DelimitedReader(
            path, encoding=src.encoding, delimiter=delimiter, name=name, header_row=src.header_row
        )
    if fmt == "excel":
        return ExcelReader(path, sheet=src.sheet, header_row=src.header_row or 1, name=name)
    if fmt in ("json", "jsonl"):
        return JSONReader(path, plan, lines=fmt == "jsonl", records_path=src.records, name=name)
    if not src.records:
        raise MappingError("source.records (the XPath of record elements) is required for XML")
    return XMLReader(path, plan, records=src.records, namespaces=src.namespaces, name=name)


def estimate_total(path: Path, fmt: str) -> int | None:
    """Records to expect, where cheap to know (progress bars show an ETA then)."""
    if fmt in ("csv", "tsv"):
        return max(count_lines(path) - 1, 0)
    if fmt in ("jsonl", "ftm"):
        return count_lines(path)
    return None
