"""PDF: the text layer per page (pypdf), OCR for pages without one, document metadata."""

from __future__ import annotations

import io
import subprocess

from pasienis.documents.errors import UnreadableDocumentError
from pasienis.documents.formats.base import Extracted, join_pages
from pasienis.documents.formats.ocr import OcrOptions, ocr_image, ocr_unavailable, render_pdf_page

#: A page with fewer visible characters than this in its text layer is treated as scanned.
MIN_PAGE_CHARS = 3


def _open(data: bytes):  # type: ignore[no-untyped-def] - pypdf's reader
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocumentError("encrypted PDF: a password is needed to read it")
        _ = len(reader.pages)
    except UnreadableDocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableDocumentError(f"corrupt PDF: {exc}") from exc
    except Exception as exc:
        # pypdf raises assorted errors on damaged files; a library bug must not stop a batch.
        raise UnreadableDocumentError(f"corrupt PDF ({type(exc).__name__}): {exc}") from exc
    return reader


def _metadata(reader, out: Extracted) -> None:  # type: ignore[no-untyped-def]
    info = reader.metadata or {}
    out.add("title", info.get("/Title"))
    out.add("author", info.get("/Author"))
    out.add("generator", info.get("/Producer"))
    for attr, prop in (("creation_date", "createdAt"), ("modification_date", "modifiedAt")):
        try:
            when = getattr(info, attr, None)
        except (ValueError, TypeError):  # a malformed date string in the info dictionary
            continue
        if when is not None:
            out.add(prop, when.isoformat())


def _page_text(page) -> str:  # type: ignore[no-untyped-def]
    try:
        return str(page.extract_text() or "")
    except Exception as exc:  # pypdf's content-stream parser raises assorted errors
        raise UnreadableDocumentError(f"corrupt PDF page ({type(exc).__name__}): {exc}") from exc


def read_pdf(data: bytes, *, ocr: OcrOptions) -> Extracted:
    """A PDF; pages without a text layer are OCR-ed, or the document needs OCR."""
    reader = _open(data)
    out = Extracted(schema="Pages", mime_type="application/pdf")
    _metadata(reader, out)
    texts = [_page_text(page) for page in reader.pages]
    scanned = [i for i, t in enumerate(texts) if len(t.strip()) < MIN_PAGE_CHARS]
    if scanned:
        why = ocr_unavailable(ocr)
        if why is not None:
            out.needs_ocr = f"{len(scanned)} of {len(texts)} pages have no text layer; {why}"
        else:
            for i in scanned:
                try:
                    texts[i] = ocr_image(render_pdf_page(data, i + 1), ocr)
                except (subprocess.SubprocessError, OSError) as exc:
                    out.problems.append(f"page {i + 1}: OCR failed: {exc}")
            out.ocr = True
    out.text, out.page_starts = join_pages(texts)
    return out
