"""Plain text: encoding detection (UTF-8, Windows-1257, CP1251) and refusing binary data.

Why not only charset-normalizer: on a short report it often ranks Windows-1250 or Mac code
pages first. It is asked to choose among the code pages that occur in this service's mail
(as the ingest readers do), and a script check settles Baltic against Cyrillic: Windows-1257
Lithuanian read as CP1251 gives Latin words with single Cyrillic letters inside.
"""

from __future__ import annotations

import codecs
import re

from pasienis.documents.errors import UnreadableDocumentError
from pasienis.documents.formats.base import Extracted

CANDIDATES = ("cp1257", "cp1251", "cp1252")
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_WORD = re.compile(r"[^\W\d_]+")


def is_binary(data: bytes) -> bool:
    """Control bytes (NUL and friends) in the first 8 KiB: not a text file."""
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return len(_CONTROL.findall(head)) > max(1, len(head) // 1000)


def _mixed_words(text: str) -> tuple[int, int]:
    """(words mixing Latin and Cyrillic letters, words in Cyrillic only)."""
    mixed = cyrillic = 0
    for word in _WORD.findall(text):
        has_cyr = any("\u0400" <= ch <= "\u04ff" for ch in word)
        has_lat = any(ch.isascii() for ch in word)
        if has_cyr and has_lat:
            mixed += 1
        elif has_cyr:
            cyrillic += 1
    return mixed, cyrillic


def detect_encoding(data: bytes) -> str:
    """The encoding of a text file: BOM, UTF-8, else Windows-1257, CP1251 or Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    mixed, cyrillic = _mixed_words(data.decode("cp1251", errors="replace"))
    if cyrillic > mixed:
        return "cp1251"
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1257", "cp1252"]).best()
    return str(best.encoding) if best is not None else "cp1257"


def decode_text(data: bytes, *, what: str = "text") -> tuple[str, str]:
    """``(text, encoding)``; binary content raises :class:`UnreadableDocumentError`."""
    if is_binary(data):
        raise UnreadableDocumentError(f"binary content, not {what} (control bytes in the file)")
    encoding = detect_encoding(data)
    text = data.decode(encoding, errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def read_text(data: bytes) -> Extracted:
    """A plain-text file."""
    text, encoding = decode_text(data)
    return Extracted(schema="PlainText", mime_type="text/plain", text=text, encoding=encoding)
