"""The encoding of a source file, with ingest's errors (the guess is :mod:`pasienis.charsets`).

One definition of the guess serves ingest and documents; here only what ingest adds: the
sample size and the errors that name the fix in a mapping.
"""

from __future__ import annotations

from pasienis import charsets
from pasienis.ingest.errors import SourceError

SAMPLE = 256 * 1024


def detect_encoding(sample: bytes) -> str:
    """The encoding to decode ``sample`` (the first :data:`SAMPLE` bytes of a file) with."""
    found = charsets.detect_encoding(sample, truncated=len(sample) >= SAMPLE)
    if found is None:
        raise SourceError(
            "cannot tell the text encoding of the file",
            hint="set source.encoding in the mapping (utf-8, cp1257, cp1251)",
        )
    return found


def check_encoding(name: str) -> str:
    """Validate an encoding named in a mapping."""
    found = charsets.check_encoding(name)
    if found is None:
        raise SourceError(f"unknown encoding {name!r}", hint="utf-8, cp1257 or cp1251")
    return found
