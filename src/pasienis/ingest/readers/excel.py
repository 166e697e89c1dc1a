"""Excel .xlsx: one sheet, streamed with openpyxl's read-only mode, header row chosen."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pasienis.ingest.errors import SourceError
from pasienis.ingest.readers.base import SourceRecord, check_not_empty


def cell_text(value: Any) -> Any:
    """Cell values as the text a CSV export would hold (dates ISO, whole floats as ints)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ExcelReader:
    """Reads the rows of one sheet as dicts keyed by the header row."""

    def __init__(
        self,
        path: Path,
        *,
        sheet: str | int | None = None,
        header_row: int = 1,
        name: str | None = None,
    ) -> None:
        check_not_empty(path)
        self.path = path
        self.name = name or path.name
        self.sheet = sheet
        self.header_row = header_row
        if not zipfile.is_zipfile(path):
            raise SourceError(
                f"{self.name} is not an .xlsx workbook",
                hint="old .xls files must be saved as .xlsx; CSV needs format: csv",
            )

    def _open_sheet(self) -> tuple[Any, Any]:
        from openpyxl import load_workbook

        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise SourceError(f"cannot open {self.name} as a workbook: {exc}") from exc
        names = book.sheetnames
        if self.sheet is None:
            return book, book[names[0]]
        if isinstance(self.sheet, int):
            if not 0 <= self.sheet < len(names):
                book.close()
                raise SourceError(
                    f"{self.name} has no sheet number {self.sheet}", hint=f"sheets: {names}"
                )
            return book, book[names[self.sheet]]
        if self.sheet not in names:
            book.close()
            raise SourceError(
                f"{self.name} has no sheet {self.sheet!r}",
                hint=f"the sheets are: {', '.join(names)}",
            )
        return book, book[self.sheet]

    @property
    def sheet_title(self) -> str:
        return str(self.sheet) if self.sheet is not None else "1"

    def _header(self, ws: Any, rows: Iterator[Any]) -> list[str]:
        header_cells = next(rows, None)
        if header_cells is None and self.header_row > 1:
            raise SourceError(
                f"sheet {ws.title!r} of {self.name} has no row {self.header_row} "
                "(source.header_row)",
                hint="set source.header_row to the row that names the columns",
            )
        if header_cells is None:
            raise SourceError(f"sheet {ws.title!r} of {self.name} is empty")
        if all(h is None or not str(h).strip() for h in header_cells):
            raise SourceError(
                f"row {self.header_row} of sheet {ws.title!r} of {self.name} is blank, "
                "not a header",
                hint="set source.header_row to the row that names the columns",
            )
        return [
            str(h).strip() if h is not None else f"column_{i + 1}"
            for i, h in enumerate(header_cells)
        ]

    def header(self) -> list[str]:
        """The field names in the header row (``source.header_row``)."""
        book, ws = self._open_sheet()
        try:
            return self._header(ws, ws.iter_rows(min_row=self.header_row, values_only=True))
        finally:
            book.close()

    def records(self) -> Iterator[SourceRecord]:
        book, ws = self._open_sheet()
        try:
            rows = ws.iter_rows(min_row=self.header_row, values_only=True)
            header = self._header(ws, rows)
            index = 0
            for number, row in enumerate(rows, start=self.header_row + 1):
                if all(v is None or str(v).strip() == "" for v in row):
                    continue
                values = [cell_text(v) for v in row]
                fields = dict(zip(header, values, strict=False))
                yield SourceRecord(index, f"{self.name}:{ws.title}:{number}", fields)
                index += 1
        finally:
            book.close()
