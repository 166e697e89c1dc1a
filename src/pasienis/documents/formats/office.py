"""DOCX (python-docx: paragraphs, tables, core properties) and XLSX (openpyxl, one page per
sheet) read as documents."""

from __future__ import annotations

import io
import zipfile

from pasienis.documents.errors import UnreadableDocumentError
from pasienis.documents.formats.base import Extracted, join_pages

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _core(out: Extracted, props: object) -> None:
    out.add("title", getattr(props, "title", None))
    out.add("author", getattr(props, "author", None) or getattr(props, "creator", None))
    for attr, prop in (("created", "createdAt"), ("modified", "modifiedAt")):
        when = getattr(props, attr, None)
        if when is not None:
            out.add(prop, when.isoformat())


def read_docx(data: bytes) -> Extracted:
    """A Word document: paragraph text one per line, then table cells row by row."""
    from docx import Document

    try:
        doc = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableDocumentError(f"corrupt DOCX: {exc}") from exc
    except Exception as exc:  # lxml and python-docx raise assorted errors on damaged parts
        raise UnreadableDocumentError(f"corrupt DOCX ({type(exc).__name__}): {exc}") from exc
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    out = Extracted(schema="Document", mime_type=DOCX_MIME, text="\n".join(lines) + "\n")
    _core(out, doc.core_properties)
    return out


def read_xlsx(data: bytes) -> Extracted:
    """A workbook as one document: each sheet a page, cells tab-separated, rows on lines."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableDocumentError(f"corrupt XLSX: {exc}") from exc
    except Exception as exc:  # openpyxl raises assorted errors on damaged parts
        raise UnreadableDocumentError(f"corrupt XLSX ({type(exc).__name__}): {exc}") from exc
    pages = []
    try:
        for sheet in book.worksheets:
            rows = [sheet.title]
            for row in sheet.iter_rows(values_only=True):
                cells = ["" if v is None else str(v) for v in row]
                if any(cells):
                    rows.append("\t".join(cells).rstrip("\t"))
            pages.append("\n".join(rows) + "\n")
        props = book.properties
    finally:
        book.close()
    out = Extracted(schema="Workbook", mime_type=XLSX_MIME)
    out.text, out.page_starts = join_pages(pages)
    _core(out, props)
    return out
