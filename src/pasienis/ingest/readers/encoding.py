"""Guessing the encoding of a text source: BOM, UTF-8, else a Baltic or Cyrillic code page.

Lithuanian registers come as UTF-8 (often with a BOM from Excel), Windows-1257 (Baltic) or,
from Belarusian and Russian partners, Windows-1251. charset-normalizer is asked to choose only
among the code pages that occur here, because left free it picks exotic ones for short text.
"""

from __future__ import annotations

import codecs

from pasienis.ingest.errors import SourceError

CANDIDATES = ("cp1257", "cp1251", "latin_1")
SAMPLE = 256 * 1024


def detect_encoding(sample: bytes) -> str:
    """The encoding to decode ``sample`` (the first bytes of a file) with."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A sample cut in the middle of a multi-byte character is still UTF-8.
        if exc.start < len(sample) - 3:
            return _code_page(sample)
    return "utf-8"


def _code_page(sample: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=list(CANDIDATES)).best()
    if best is None:
        raise SourceError(
            "cannot tell the text encoding of the file",
            hint="set source.encoding in the mapping (utf-8, cp1257, cp1251)",
        )
    return str(best.encoding)


def check_encoding(name: str) -> str:
    """Validate an encoding named in a mapping."""
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        raise SourceError(f"unknown encoding {name!r}") from exc
