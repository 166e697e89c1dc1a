"""Guessing the encoding of text bytes: the one definition ingest and documents both use.

Lithuanian registers and reports come as UTF-8 (often with a BOM from Excel), Windows-1257
(Baltic) or, from Belarusian and Russian partners, Windows-1251 (CP1251); now and then
Windows-1252 from Western partners. Why not charset-normalizer: on short text it ranks
Windows-1250 or Mac code pages first, and even asked to choose only between Windows-1257 and
Windows-1252 it reads "Žukauskas" as "Þukauskas" (the letters differ, the statistics do not
tell). So two checks made for these code pages decide: a script check settles Cyrillic against
Latin (Windows-1257 Lithuanian read as CP1251 gives Latin words with single Cyrillic letters
inside; CP1251 Russian gives words in Cyrillic only), then the bytes where Windows-1257 and
Windows-1252 differ vote: a Baltic letter (weighing double: this is a Lithuanian service) for the
one, a Western letter for the other; a tie is left to charset-normalizer's word statistics.
Known limit: a Windows-1252 text whose only accents are "à", "è", "û" with no byte Windows-1257
lacks (such as "œ") reads as Baltic ("č" for "è").

Lowest layer (beside :mod:`pasienis.config` and :mod:`pasienis.errors`): it imports nothing
of the project, so every capability may use it.
"""

from __future__ import annotations

import codecs
import re

#: Code pages a non-UTF-8 text may be in, in the order they are tried.
CANDIDATES = ("cp1251", "cp1257", "cp1252")
#: Latin code pages left once the script check ruled out Cyrillic.
LATIN_CANDIDATES = ("cp1257", "cp1252")
_BALTIC = frozenset("ąčęėįšųūžĄČĘĖĮŠŲŪŽāēīķļņģōĀĒĪĶĻŅĢŌ")
_WESTERN = frozenset("àâæçèêîïôœùûÿñáíóúãåøìòÀÂÆÇÈÊÎÏÔŒÙÛŸÑÁÍÓÚÃÅØÌÒ")
#: A Baltic letter outweighs a Western one: "ė", "ą", "ų" are everyday Lithuanian, their
#: Windows-1252 twins ("ë", "à", "ø") are not everyday in any one Western language.
_BALTIC_WEIGHT = 2
_WORD = re.compile(r"[^\W\d_]+")
#: A UTF-8 sequence is at most 4 bytes: an error this close to the end of a cut sample is
#: the cut, not a wrong guess.
_UTF8_TAIL = 3


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


def _is_utf8(data: bytes, *, truncated: bool) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A sample cut in the middle of a multi-byte character is still UTF-8.
        return truncated and exc.start >= len(data) - _UTF8_TAIL
    return True


def detect_encoding(data: bytes, *, truncated: bool = False) -> str | None:
    """The encoding to decode ``data`` with, or ``None`` when no candidate fits.

    Args:
        data: The bytes of a text file, or its first bytes.
        truncated: ``data`` is a sample cut from a longer file (a multi-byte character may be
            cut at its end).

    Returns:
        ``utf-8-sig`` or ``utf-16`` (byte-order mark), ``utf-8``, ``cp1251``, ``cp1257`` or
        ``cp1252``; ``None`` when the bytes are not valid in any of them (the caller
        decides: an error naming the file, or a recorded fallback).
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _is_utf8(data, truncated=truncated):
        return "utf-8"
    mixed, cyrillic = _mixed_words(data.decode("cp1251", errors="replace"))
    if cyrillic > mixed:
        return "cp1251"
    return _latin(data)


def _decodes(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _latin(data: bytes) -> str | None:
    """Windows-1257 or Windows-1252, by the letters of the bytes where they differ."""
    baltic, western = _decodes(data, "cp1257"), _decodes(data, "cp1252")
    if baltic is None or western is None:
        return "cp1257" if baltic is not None else "cp1252" if western is not None else None
    votes = differ = 0
    for a, b in zip(baltic, western, strict=True):  # single-byte code pages: same length
        if a != b:
            differ += 1
            votes += _BALTIC_WEIGHT * (a in _BALTIC) - (b in _WESTERN)
    if votes == 0 and differ:  # letters both ways ("è" is "č"): word statistics decide
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=list(LATIN_CANDIDATES)).best()
        return str(best.encoding) if best is not None else "cp1257"
    return "cp1252" if votes < 0 else "cp1257"


def check_encoding(name: str) -> str | None:
    """The codec name of an encoding given by a user, or ``None`` when Python has no such."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
