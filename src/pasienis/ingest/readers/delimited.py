"""CSV/TSV: encoding and delimiter detection, per-line decoding and recovery from broken quotes.

Lines are decoded one by one, so an undecodable line is quarantined instead of stopping the
file. Python's csv module reads a field with an unclosed quote up to the next quote — possibly
the rest of the file — so a record whose field count differs from the header, or that hits the
field-size limit, is quarantined as its first physical line and parsing resumes on the next.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path
from typing import NamedTuple

from pasienis.ingest.errors import SourceError
from pasienis.ingest.readers.base import SourceRecord, check_not_empty, looks_binary
from pasienis.ingest.readers.encoding import SAMPLE, check_encoding, detect_encoding

#: A field longer than this is a broken quote swallowing lines, not data.
FIELD_LIMIT = 1_000_000
DELIMITERS = ",;\t|"
#: Share of the sampled lines a delimiter must split into the same number of fields.
CONSISTENT = 0.9
#: Bytes decoded at once on the fast path.
CHUNK = 1 << 20
#: Single-byte code pages: a chunk decodes exactly like its lines.
#: Lines searched for a header a title block hides (:meth:`DelimitedReader.find_header`).
HEADER_SEARCH = 100
CHUNK_CODEPAGES = ("cp125", "iso8859", "latin", "koi8", "cp866", "mac-")


class _LineTap:
    """Feeds decoded lines to csv.reader and remembers the raw lines of the current record."""

    def __init__(self, lines: Iterator[tuple[int, str | None, bytes]]) -> None:
        self.lines = lines
        self.buffer: list[tuple[int, str | None, bytes]] = []
        self.bad: tuple[int, bytes] | None = None

    def __iter__(self) -> Iterator[str]:
        for item in self.lines:
            number, text, raw = item
            if text is None:  # undecodable: end the current csv record here
                self.bad = (number, raw)
                return
            self.buffer.append(item)
            yield text


def _decode_lines(path: Path, encoding: str) -> Iterator[tuple[int, str | None, bytes]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                yield number, raw.decode(encoding), raw
            except UnicodeDecodeError:
                yield number, None, raw


def _chunkable(encoding: str) -> bool:
    """Whether ``\\n`` bytes are line ends and chunks decode like their lines (ASCII-based)."""
    name = codecs.lookup(encoding).name
    return name in ("utf-8", "utf-8-sig", "ascii") or name.startswith(CHUNK_CODEPAGES)


class _ChunkLines:
    """Decoded lines after the header, a megabyte at a time; stops at an undecodable chunk.

    ``stopped`` tells that iteration ended before the end of the file (the record being read
    may be cut): the caller hands over to the line-by-line path from that record on.
    """

    def __init__(self, path: Path, encoding: str, header_line: int) -> None:
        self.path, self.encoding, self.skip = path, encoding, header_line
        self.stopped = False
        #: The decoded lines a chunk at a time; iterating lines continues after the chunks
        #: taken from here (:meth:`DelimitedReader.blocks`).
        self.chunks = self._chunks()
        self._lines = chain.from_iterable(self.chunks)

    def __iter__(self) -> Iterator[str]:
        return self._lines

    def _chunks(self) -> Iterator[list[str]]:
        encoding = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        with self.path.open("rb") as handle:
            for _ in range(self.skip):
                handle.readline()
            rest = b""
            while block := handle.read(CHUNK):
                block = rest + block
                cut = block.rfind(b"\n") + 1
                if cut == 0:
                    rest = block
                    continue
                block, rest = block[:cut], block[cut:]
                if self.encoding == "utf-8-sig" and b"\xef\xbb\xbf" in block:
                    # A BOM inside: per-line decoding would strip it.
                    self.stopped = True
                    return
                try:
                    text = block.decode(encoding)
                except UnicodeDecodeError:
                    self.stopped = True
                    return
                yield _split_keep(text)
            if rest:
                try:
                    yield [rest.decode(encoding)]
                except UnicodeDecodeError:
                    self.stopped = True


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the lines of ``text`` into the most fields, the same number
    on (nearly) every line; else :class:`csv.Sniffer`'s guess; else the commonest in line 1.

    Before :class:`csv.Sniffer`, because it takes the comma of ``12,5`` for the delimiter of
    a ``;`` file with one decimal-comma column (two fields on every line: consistent too)."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, width = None, 1
    for delimiter in DELIMITERS:
        widths = Counter(len(row) for row in csv.reader(lines, delimiter=delimiter))
        if not widths:
            break
        common, times = widths.most_common(1)[0]
        if common > width and times >= CONSISTENT * sum(widths.values()):
            best, width = delimiter, common
    if best is not None:
        return best
    head = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(head, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) if lines else 0 for d in DELIMITERS}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


class RowBlock(NamedTuple):
    """Consecutive records of one line each: the first's index and line, and their rows."""

    index: int
    line: int
    rows: list[list[str]]


def _plain_rows(lines: list[str], delimiter: str, width: int) -> list[list[str]] | None:
    """The rows of ``lines`` if each line is one record of ``width`` fields, else ``None``.

    A quoted line break or a broken quote makes fewer rows than lines, a blank line a row of
    another width (with one column a blank line cannot be told by its width: ``None``). The
    csv module ends a quote left open at the end of its input silently, so a blank line is
    added: it makes a row of its own (``[]``) only if no quote is open (a record may go on
    in the next chunk)."""
    if width < 2:
        return None
    try:
        rows = list(csv.reader(chain(lines, ("\n",)), delimiter=delimiter, strict=False))
    except csv.Error:
        return None
    if len(rows) != len(lines) + 1 or rows.pop() or set(map(len, rows)) != {width}:
        return None
    return rows


def _split_keep(text: str) -> list[str]:
    lines = text.split("\n")
    lines.pop()  # empty: the block ends with a newline
    return [f"{line}\n" for line in lines]


class DelimitedReader:
    """Reads a CSV/TSV file as dicts keyed by the header row."""

    def __init__(
        self,
        path: Path,
        *,
        encoding: str = "auto",
        delimiter: str = "auto",
        name: str | None = None,
        header_row: int | None = None,
    ) -> None:
        """``header_row``: the line of the header (``source.header_row``), for files with a
        title block above it; ``None``: the first line that is not blank."""
        check_not_empty(path)
        self.path = path
        self.name = name or path.name
        if header_row is not None and header_row < 1:
            raise SourceError(f"{self.name}: header_row must be 1 or more, not {header_row}")
        self.header_row = header_row
        with path.open("rb") as handle:
            sample = handle.read(SAMPLE)
        if looks_binary(sample):
            raise SourceError(
                f"{self.name} is a binary file, not CSV text",
                hint="export the data as CSV, or pick the right reader (format: excel)",
            )
        self.encoding = detect_encoding(sample) if encoding == "auto" else check_encoding(encoding)
        text = sample.decode(self.encoding, errors="replace")
        if header_row is not None:  # sniff the table, not the title block above it
            text = "\n".join(text.splitlines()[header_row - 1 :])
        self.delimiter = sniff_delimiter(text) if delimiter == "auto" else delimiter

    def records(self) -> Iterator[SourceRecord]:
        """Records as dicts keyed by the header (see :meth:`rows` for the fast form)."""
        header = self.header()
        for item in self.rows():
            if type(item) is tuple:
                index, line, row = item
                yield SourceRecord(
                    index, f"{self.name}:{line}", dict(zip(header, row, strict=True))
                )
            else:
                yield item  # type: ignore[misc]

    def header(self) -> list[str]:
        """The header row's field names."""
        return self._header(_decode_lines(self.path, self.encoding))[0]

    def rows(self) -> Iterator[tuple[int, int, list[str]] | SourceRecord]:
        """``(index, line, values in header order)`` per record, or a SourceRecord (problems,
        and every record after the first problem): :meth:`blocks` one record at a time."""
        for item in self.blocks():
            if type(item) is RowBlock:
                for offset, row in enumerate(item.rows):
                    yield (item.index + offset, item.line + offset, row)
            else:
                yield item

    def blocks(self) -> Iterator[RowBlock | tuple[int, int, list[str]] | SourceRecord]:
        """The records as :meth:`rows` gives them, many at once where they are plain.

        Chunks of the file are decoded at once; a chunk whose every line is one record of the
        header's width is parsed whole and given as one :class:`RowBlock` (no Python code per
        row). From the first chunk that is not (a quoted line break, a blank line, a broken
        quote), records come one by one as ``(index, line, row)``; the first sign of trouble
        (an undecodable chunk, a csv error, a field count that differs from the header) hands
        the rest of the file, from the start of that record, to the line-by-line path, which
        quarantines and recovers exactly as :meth:`_slow_records` always did.
        """
        csv.field_size_limit(FIELD_LIMIT)
        header, header_line = self._header(_decode_lines(self.path, self.encoding))
        width = len(header)
        index, line = 0, header_line  # records given, and the last line they took
        if _chunkable(self.encoding):
            source = _ChunkLines(self.path, self.encoding, header_line)
            pending: list[str] = []
            for lines in source.chunks:
                rows = _plain_rows(lines, self.delimiter, width)
                if rows is None:
                    pending = lines
                    break
                yield RowBlock(index, line + 1, rows)
                index, line = index + len(rows), line + len(lines)
            # The rest (nothing after the last chunk, or where an undecodable one stopped).
            yield from self._line_rows(chain(pending, source), source, header, index, line)
            return
        yield from self._slow_records(header, line, index)

    def _line_rows(
        self,
        lines: Iterator[str],
        source: _ChunkLines,
        header: list[str],
        index: int,
        line: int,
    ) -> Iterator[tuple[int, int, list[str]] | SourceRecord]:
        """Records one by one from ``lines`` (after line ``line``, from record ``index``)."""
        width = len(header)
        reader = csv.reader(lines, delimiter=self.delimiter, strict=False)
        last = 0
        try:
            for row in reader:
                start, last = last + 1, reader.line_num
                if source.stopped:
                    break
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line
                if len(row) != width:
                    break
                yield (index, line + start, row)
                index += 1
            else:
                if not source.stopped:
                    return
                start = last + 1
        except csv.Error:
            start = last + 1
        yield from self._slow_records(header, line + start - 1, index)

    def _slow_records(self, header: list[str], after: int, index: int) -> Iterator[SourceRecord]:
        """Line by line from the line after ``after``: quarantine and recover broken records."""
        lines = islice(_decode_lines(self.path, self.encoding), after, None)
        width = len(header)
        pending: Iterator[tuple[int, str | None, bytes]] = lines
        while True:
            tap = _LineTap(pending)
            reader = csv.reader(tap, delimiter=self.delimiter, strict=False)
            for record in self._rows(reader, tap, header, width, index):
                yield record
                index += 1
                if record.problem and tap.buffer:
                    pending = chain(tap.buffer[1:], pending)  # resume after the broken line
                    break
            else:
                if tap.bad is None:
                    return
                yield self._problem(index, tap.bad[0], tap.bad[1].decode("latin-1"), "encoding")
                index += 1
                tap.bad = None

    def _rows(
        self,
        reader: csv.reader,
        tap: _LineTap,
        header: list[str],
        width: int,
        index: int,  # type: ignore[valid-type]
    ) -> Iterator[SourceRecord]:
        while True:
            tap.buffer.clear()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield self._broken(index, tap, f"unreadable CSV record: {exc}")
                return
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            line = tap.buffer[0][0] if tap.buffer else 0
            if len(row) != width:
                yield self._broken(
                    index, tap, f"{len(row)} fields where the header has {width} (broken quote?)"
                )
                return
            yield SourceRecord(index, f"{self.name}:{line}", dict(zip(header, row, strict=True)))
            index += 1

    def _broken(self, index: int, tap: _LineTap, reason: str) -> SourceRecord:
        number, text, _raw = tap.buffer[0] if tap.buffer else (0, "", b"")
        return self._problem(index, number, text or "", reason)

    def _problem(self, index: int, line: int, text: str, reason: str) -> SourceRecord:
        if reason == "encoding":
            reason = f"line cannot be decoded as {self.encoding}"
        return SourceRecord(
            index, f"{self.name}:{line}", {"_line": text.rstrip("\r\n")[:2000]}, problem=reason
        )

    def find_header(self, columns: set[str], within: int = HEADER_SEARCH) -> int | None:
        """The line among the first ``within`` that names the most of ``columns`` (at least
        half), other than the header used: where a title block hides the real header."""
        best, found = 0, None
        used = self.header_row
        for number, text, _raw in islice(_decode_lines(self.path, self.encoding), within):
            if text is None or not text.strip():
                continue
            if used is None:
                used = number  # the first line that is not blank: the header read now
            row = next(csv.reader([text], delimiter=self.delimiter))
            cells = {c.strip().lstrip("\ufeff") for c in row}
            hits = len(columns & cells)
            if number != used and hits > best and 2 * hits >= len(columns):
                best, found = hits, number
        return found

    def _header(self, lines: Iterator[tuple[int, str | None, bytes]]) -> tuple[list[str], int]:
        for number, text, _raw in lines:
            if self.header_row is not None and number < self.header_row:
                continue  # the title block above the header
            if text is None:
                raise SourceError(
                    f"the header of {self.name} (line {number}) cannot be decoded as "
                    f"{self.encoding}",
                    hint="set source.encoding in the mapping",
                )
            if text.strip():
                header = next(csv.reader([text], delimiter=self.delimiter))
                return [h.strip().lstrip("\ufeff") for h in header], number
            if self.header_row is not None:
                raise SourceError(
                    f"line {number} of {self.name} (source.header_row) is blank, not a header",
                    hint="set source.header_row to the line that names the columns",
                )
        if self.header_row is not None:
            raise SourceError(
                f"{self.name} has no line {self.header_row} (source.header_row)",
                hint="set source.header_row to the line that names the columns",
            )
        raise SourceError(f"{self.name} has no header row", hint="the file holds only blank lines")
