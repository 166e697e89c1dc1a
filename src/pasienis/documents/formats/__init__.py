"""File → text: detect the format from the bytes (then the name) and call its reader.

Readers raise :class:`~pasienis.documents.errors.UnreadableDocumentError` with the reason; a
file of a format not listed here is read as text only when it is not binary.
"""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import PurePosixPath

from pasienis.documents.errors import UnreadableDocumentError
from pasienis.documents.formats.archive import Budget, read_zip
from pasienis.documents.formats.base import Extracted, Member, join_pages
from pasienis.documents.formats.html import read_html
from pasienis.documents.formats.image import read_image
from pasienis.documents.formats.mail import looks_like_email, read_email
from pasienis.documents.formats.ocr import OcrOptions, ocr_unavailable
from pasienis.documents.formats.office import read_docx, read_xlsx
from pasienis.documents.formats.pdf import read_pdf
from pasienis.documents.formats.text import decode_text, read_text

__all__ = [
    "Budget",
    "Extracted",
    "Member",
    "OcrOptions",
    "decode_text",
    "detect_format",
    "join_pages",
    "ocr_unavailable",
    "read_file",
]

_IMAGES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}
_SUFFIX = {
    ".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".zip": "zip", ".eml": "eml",
    ".html": "html", ".htm": "html", ".txt": "txt", ".jpg": "image", ".jpeg": "image",
    ".png": "image", ".tif": "image", ".tiff": "image",
}  # fmt: skip


def _zip_kind(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def detect_format(data: bytes, name: str) -> str:
    """``pdf``, ``docx``, ``xlsx``, ``zip``, ``eml``, ``html``, ``image`` or ``txt``.

    The bytes decide where they can (a PDF renamed .txt is still a PDF); the suffix decides
    for formats without a signature, and for a damaged file that lost its signature.
    """
    suffix = _SUFFIX.get(PurePosixPath(name.lower()).suffix)
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if any(data.startswith(sig) for sig in _IMAGES):
        return "image"
    if suffix in {"pdf", "docx", "xlsx", "zip", "image", "eml", "html"}:
        return suffix
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if looks_like_email(data):
        return "eml"
    return "txt"


def read_file(data: bytes, name: str, *, ocr: OcrOptions, budget: Budget) -> Extracted:
    """Read one file's content; raises :class:`UnreadableDocumentError` with the reason."""
    kind = detect_format(data, name)
    if not data:
        raise UnreadableDocumentError("empty file")
    if kind == "pdf":
        return read_pdf(data, ocr=ocr)
    if kind == "docx":
        return read_docx(data)
    if kind == "xlsx":
        return read_xlsx(data)
    if kind == "zip":
        return read_zip(data, budget=budget)
    if kind == "eml":
        return read_email(data)
    if kind == "html":
        return read_html(data)
    if kind == "image":
        mime = next((m for sig, m in _IMAGES.items() if data.startswith(sig)), "image/unknown")
        return read_image(data, mime, ocr=ocr)
    return read_text(data)
