"""Plain text: refusing binary data and decoding with the shared encoding guess.

The guess (UTF-8, Windows-1257, CP1251, Windows-1252) is :func:`pasienis.charsets.detect_encoding`,
the same definition the ingest readers use. When no code page fits, the text is decoded as
Windows-1257 (the service's own code page) and the document says so in its problems.
"""

from __future__ import annotations

import codecs
import re

from pasienis.charsets import detect_encoding
from pasienis.documents.errors import UnreadableDocumentError
from pasienis.documents.formats.base import Extracted

FALLBACK = "cp1257"
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def is_binary(data: bytes) -> bool:
    """Control bytes (NUL and friends) in the first 8 KiB: not a text file."""
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return len(_CONTROL.findall(head)) > max(1, len(head) // 1000)


def decode_text(
    data: bytes, *, what: str = "text", problems: list[str] | None = None
) -> tuple[str, str]:
    """``(text, encoding)``; binary content raises :class:`UnreadableDocumentError`.

    ``problems``: where to say that no code page fitted and :data:`FALLBACK` was used."""
    if is_binary(data):
        raise UnreadableDocumentError(f"binary content, not {what} (control bytes in the file)")
    encoding = detect_encoding(data)
    if encoding is None:
        encoding = FALLBACK
        if problems is not None:
            problems.append(f"text encoding not recognised; decoded as {FALLBACK}")
    text = data.decode(encoding, errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def read_text(data: bytes) -> Extracted:
    """A plain-text file."""
    problems: list[str] = []
    text, encoding = decode_text(data, problems=problems)
    return Extracted(schema="PlainText", mime_type="text/plain", text=text, encoding=encoding,
                     problems=problems)  # fmt: skip
